import { V2_ACTIVITIES } from '../protocol/v2-requests';
import type { FrontEnd } from './front-end';
import { LICENSE_V1_ACTIVITIES, licenseV1FrontEnd } from './license-v1';
import { LICENSE_V2_ACTIVITIES, licenseV2FrontEnd } from './license-v2';
import { SAAS_V1_ACTIVITIES, saasV1FrontEnd } from './saas-v1';
import { saasV2FrontEnd } from './saas-v2';

/**
 * Every protocol one deployed function speaks, in the order `createApp` tries them (the first whose
 * `matches` is true handles the call, each with its own interface key):
 *
 * | request                                   | front end          | key                             |
 * | ----------------------------------------- | ------------------ | ------------------------------- |
 * | POST, body activity `…LicenseCode…`       | license-v2.ts      | `KOOGALLERY_LICENSE_ACCESS_KEY` |
 * | GET, `activity` getLicense/…License       | license-v1.ts      | `KOOGALLERY_V1_ACCESS_KEY`      |
 * | any other GET                             | saas-v1.ts         | `KOOGALLERY_V1_ACCESS_KEY`      |
 * | any other request (POST)                  | saas-v2.ts         | `KOOGALLERY_ACCESS_KEY`         |
 *
 * The activity only chooses the front end; that front end's key must then verify the request, so
 * an activity of one family signed with another family's key is refused (`000001`).
 */
export const ALL_FRONT_ENDS: readonly FrontEnd[] = [
  licenseV2FrontEnd,
  licenseV1FrontEnd,
  saasV1FrontEnd,
  saasV2FrontEnd,
];

/** Every activity name a front end accepts (SaaS V2.0 and V1.0, License 2.0 and 1.0). */
export const KNOWN_ACTIVITIES: ReadonlySet<string> = new Set<string>([
  ...V2_ACTIVITIES,
  ...SAAS_V1_ACTIVITIES,
  ...LICENSE_V2_ACTIVITIES,
  ...LICENSE_V1_ACTIVITIES,
]);
