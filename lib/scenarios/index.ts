import type { ScenarioRequest } from '../protocol/v2-requests';
import { changeInstanceCheck } from './change-instance-check';
import { newInstance } from './new-instance';
import { queryInstance } from './query-instance';
import { refreshInstance } from './refresh-instance';
import { releaseInstance } from './release-instance';
import type { Scenario, ScenarioContext, ScenarioResult } from './scenario';
import { updateInstanceStatus } from './update-instance-status';
import { upgradeInstance } from './upgrade-instance';

/** One module per activity; a log line's `activity` names the file. */
const SCENARIOS: {
  [A in ScenarioRequest['activity']]: Scenario<Extract<ScenarioRequest, { activity: A }>>;
} = {
  newInstance,
  queryInstance,
  refreshInstance,
  updateInstanceStatus,
  releaseInstance,
  upgradeInstance,
  changeInstanceCheck,
};

/** Runs the scenario module of a validated request. */
export function dispatch(request: ScenarioRequest, ctx: ScenarioContext): Promise<ScenarioResult> {
  const scenario = SCENARIOS[request.activity] as Scenario;
  return scenario(request, ctx);
}
