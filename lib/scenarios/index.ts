/**
 * Every business decision, for every protocol: the front ends map their wire requests to the
 * commands of `commands.ts` and call these entries, one module per scenario.
 *
 * | entry               | module                    | carried by                                         |
 * | ------------------- | ------------------------- | -------------------------------------------------- |
 * | `purchase`          | new-instance.ts           | V2.0 and V1.0 `newInstance`                        |
 * | `issueLicense`      | issue-license.ts          | License 1.0 `getLicense`                           |
 * | `query`             | query-instance.ts         | V2.0 and V1.0 `queryInstance`                      |
 * | `renew`             | refresh-instance.ts       | V2.0 and V1.0 `refreshInstance`                    |
 * | `renewLicense`      | issue-license.ts          | License 1.0 `refreshLicense`                       |
 * | `expire`            | expire-instance.ts        | V1.0 `expireInstance`, License 1.0 `expireLicense` |
 * | `changeStatus`      | update-instance-status.ts | V2.0 `updateInstanceStatus`, V1.0 `instanceStatus` |
 * | `release`           | release-instance.ts       | every release                                      |
 * | `upgrade`           | upgrade-instance.ts       | V2.0 `upgradeInstance`, V1.0 `upgrade`             |
 * | `checkChange`       | change-instance-check.ts  | V2.0 `changeInstanceCheck`                         |
 * | `changeLicenseCode` | license-code.ts           | every License 2.0 notification                     |
 */
export { checkChange } from './change-instance-check';
export * from './commands';
export { expire } from './expire-instance';
export { issueLicense, renewLicense } from './issue-license';
export { changeLicenseCode } from './license-code';
export { purchase } from './new-instance';
export { query } from './query-instance';
export { renew } from './refresh-instance';
export { release } from './release-instance';
export * from './scenario';
export { changeStatus } from './update-instance-status';
export { upgrade } from './upgrade-instance';
