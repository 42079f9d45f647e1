/** What the open-API tests share: the key pair the stand-in accepts, a fixed time, a rejection. */

/** The IAM key pair the tests' stand-ins accept and their clients sign with. */
export const AK = 'TESTAK0123456789';
export const SK = 'TestSecretKey0123456789abcdef';

/** 2024-01-31T10:00:00Z: a synthesized monthly order then ends on a clamped day (Feb 29). */
export const NOW = Date.UTC(2024, 0, 31, 10, 0, 0);

/** The error `promise` rejects with; fails the test when it resolves. */
export async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}
