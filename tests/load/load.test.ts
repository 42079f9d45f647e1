import { removeDataDir, type SpawnedService, spawnService } from '../helpers/spawned-service';
import {
  formatLoadReport,
  type LoadReport,
  loadFailures,
  loadOptionsFromEnv,
  runLoad,
} from './load-runner';

// The short version CI runs inside `npm test`; `npm run test:load` runs the full one (issue 6).
const options = loadOptionsFromEnv(process.env, {
  orders: 100,
  requests: 2000,
  concurrency: 16,
  maxMs: 120_000,
});

describe('npm start under a mixed, duplicated and reordered load (#6)', () => {
  let svc: SpawnedService;
  let report: LoadReport;
  beforeAll(async () => {
    svc = await spawnService();
    report = await runLoad(svc, options);
    process.stdout.write(`${formatLoadReport(report)}\n`);
  }, 180_000);
  afterAll(async () => {
    await svc?.kill('SIGTERM');
    if (svc) await removeDataDir(svc.dataDir);
  });

  it('answers every request with HTTP 200 and never 000005', () => {
    expect(report.statuses).toEqual({ 200: report.requests });
    expect(report.resultCodes['000005']).toBeUndefined();
    expect(report.requests).toBeGreaterThanOrEqual(options.requests);
  });

  it('brings every delivery to 000000 with KooGallery-style retries', () => {
    expect(report.unconverged).toEqual([]);
  });

  it('duplicates or reorders about a third of the requests', () => {
    expect(report.duplicatedOrReordered / report.requests).toBeGreaterThan(0.2);
  });

  it('records every metered hour once, and two pushes at a time deliver each once (#11)', () => {
    expect(report.metering.meteredOrders).toBeGreaterThan(0);
    expect(report.metering.reportFailures).toEqual([]);
    expect(report.metering.pushesThatRan).toBeGreaterThan(0);
  });

  it('leaves one instance per order, each renewal applied once and each release released', () => {
    expect(report.tableProblems).toEqual([]);
    expect(loadFailures(report)).toEqual([]);
  });
});
