// One seed per test run, chosen before the workers start so that every worker (and the seed
// reporter) shares it: `SEED=N` replays a run's random orders (tests/helpers/shuffle.ts).
const { randomInt } = require('node:crypto');

module.exports = async () => {
  if (process.env.SEED === undefined || process.env.SEED === '') {
    process.env.SEED = String(randomInt(0, 2 ** 32));
  }
};
