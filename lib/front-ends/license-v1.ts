import { InvalidRequestError } from '../errors';
import { quoteReceived } from '../protocol/received-value';
import { expire, issueLicense, release, renewLicense } from '../scenarios';
import { type Answer, describeCommand, type FrontEnd, type RunContext } from './front-end';
import {
  authenticateV1,
  carriedOrder,
  paramsOf,
  queryActivity,
  readV1Instance,
  readV1Order,
  readV1Renewal,
  renewalCommand,
  type V1Order,
  type V1Params,
  type V1Renewal,
} from './v1-transport';
import { answerOf, shapeV2 } from './wire-answers';

/**
 * License 1.0 (docs/protocol.md#license-10): the V1.0 transport (GET, `authToken` and `Body-Sign` under
 * the V1.0 key) with four activities:
 *
 * | activity         | what runs                                                                  |
 * | ---------------- | -------------------------------------------------------------------------- |
 * | `getLicense`     | `issueLicense` (issue-license.ts): one license per order (`LicenseIssuer`)  |
 * | `refreshLicense` | `renewLicense` (issue-license.ts): renew, restore access, re-issue         |
 * | `expireLicense`  | `expire` (expire-instance.ts): FREEZE unless renewed since                 |
 * | `releaseLicense` | `release` (release-instance.ts)                                            |
 *
 * A license lives in the instance table as one record (protocol `license-v1`), its license sealed
 * in `extra.sealedLicense`: every retry of `getLicense` for the order answers that stored license,
 * until `releaseLicense` drops it (later calls answer without a license, #14). The
 * scenarios call the provisioner's renew/freeze/release with the record (`protocol` tells a
 * seller's provisioner it is a license); the default provisioner does nothing for them.
 */
export const LICENSE_V1_ACTIVITIES = [
  'getLicense',
  'refreshLicense',
  'expireLicense',
  'releaseLicense',
] as const;
/** One License 1.0 activity. */
export type LicenseV1Activity = (typeof LICENSE_V1_ACTIVITIES)[number];

/** The `saasExtendParams` name carrying the buyer's machine code (docs/protocol.md#license-10). */
const IDENTIFICATION_CODE = 'identificationCode';

/** A validated License 1.0 request. */
export type LicenseV1Command =
  | ({ activity: 'getLicense'; test: boolean } & V1Order)
  | ({ activity: 'refreshLicense'; test: boolean } & V1Renewal)
  | {
      activity: 'expireLicense' | 'releaseLicense';
      test: boolean;
      instanceId: string;
      orderId?: string;
    };

/** True when `activity` is a License 1.0 activity. */
export function isLicenseV1Activity(activity: string | undefined): activity is LicenseV1Activity {
  return (LICENSE_V1_ACTIVITIES as readonly string[]).includes(activity ?? '');
}

function parseLicenseV1(p: V1Params): LicenseV1Command {
  const activity = p.required('activity', 32);
  if (!isLicenseV1Activity(activity)) {
    throw new InvalidRequestError(
      `unknown activity ${quoteReceived(activity)}: parameter activity`,
    );
  }
  const test = p.test();
  switch (activity) {
    case 'getLicense':
      return { activity, test, ...readV1Order(p) };
    case 'refreshLicense':
      return { activity, test, ...readV1Renewal(p) };
    case 'expireLicense':
    case 'releaseLicense':
      return { activity, test, ...readV1Instance(p) };
  }
}

async function runLicenseV1(cmd: LicenseV1Command, ctx: RunContext): Promise<Answer> {
  const s = ctx.scenario;
  const { test } = cmd;
  switch (cmd.activity) {
    case 'getLicense': {
      const machineCode = cmd.extendParams?.find((e) => e.name === IDENTIFICATION_CODE)?.value;
      const issued = await issueLicense(
        {
          test,
          orderId: cmd.orderId,
          orderLineId: cmd.orderLineId,
          order: carriedOrder(cmd, ctx.accessKey, ctx.config.encryptType),
          machineCode: machineCode || undefined,
        },
        s,
      );
      return answerOf(issued, { license: issued.license, instanceId: issued.instanceId });
    }
    case 'refreshLicense':
      return answerOf(await renewLicense(renewalCommand(cmd), s));
    case 'expireLicense':
      return answerOf(await expire({ test, instanceId: cmd.instanceId }, s));
    case 'releaseLicense':
      return answerOf(await release({ test, instanceId: cmd.instanceId, orderId: cmd.orderId }, s));
  }
}

/** License 1.0: GETs whose activity is a License 1.0 one. */
export const licenseV1FrontEnd: FrontEnd<LicenseV1Command> = {
  family: 'license-v1',
  matches: (http) => isLicenseV1Activity(queryActivity(http)),
  keys: (config) => config.v1AccessKeys,
  authenticate: authenticateV1,
  parse: (http, auth) => parseLicenseV1(paramsOf(http, auth)),
  run: runLicenseV1,
  describe: describeCommand,
  shape: shapeV2,
};
