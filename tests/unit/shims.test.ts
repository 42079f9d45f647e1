import realMoment from 'moment';
import { sortBy } from '../../scripts/shims/lodash';
import moment from '../../scripts/shims/moment';

// lodash ships no types; this is the one function the shim stands in for.
const realSortBy = require('lodash/sortBy') as <T>(
  items: T[],
  iteratee: (item: T) => string,
) => T[];

/** `YYYYMMDDTHHmmss` as epoch ms, to compare two readings of "now". */
const asMs = (s: string) =>
  Date.UTC(
    +s.slice(0, 4),
    +s.slice(4, 6) - 1,
    +s.slice(6, 8),
    +s.slice(9, 11),
    +s.slice(11, 13),
    +s.slice(13, 15),
  );

describe('bundle shims for the Huawei Cloud signer', () => {
  it('sortBy orders header names exactly as lodash does, stably', () => {
    const names = [
      'X-Sdk-Date',
      'host',
      'Content-Type',
      'x-project-id',
      'Host',
      'accept',
      'b',
      'B',
    ];
    const lower = (x: string) => x.toLocaleLowerCase();
    expect(sortBy(names, lower)).toEqual(realSortBy(names, lower));
  });

  it.each(['20240101T000000Z', '20991231T235959Z', '20240229T120000Z', '19700101T000000Z'])(
    'formats %s exactly as moment does',
    (date) => {
      const format = 'YYYYMMDDTHHmmss';
      expect(moment(date).utcOffset(0).format(format)).toBe(
        realMoment(date).utcOffset(0).format(format),
      );
    },
  );

  it('formats now as moment does, and refuses what it does not implement', () => {
    const format = 'YYYYMMDDTHHmmss';
    const ours = moment().utcOffset(0).format(format);
    const theirs = realMoment().utcOffset(0).format(format);
    expect(Math.abs(asMs(ours) - asMs(theirs))).toBeLessThanOrEqual(1000);
    expect(() => moment().utcOffset(8)).toThrow(/utcOffset/);
    expect(() => moment().format('YYYY-MM-DD')).toThrow(/format/);
  });
});
