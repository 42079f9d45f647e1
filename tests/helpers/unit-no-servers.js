// `npx jest tests/unit` starts no server and no store (#10): in a test file under tests/unit/, a
// listening socket (an HTTP server, a receiver, dynalite, a local environment) throws and names
// where such a test belongs. Restored after the file, since Jest reuses its worker for the next one.
const net = require('node:net');

const testPath = expect.getState().testPath ?? '';
if (/[\\/]tests[\\/]unit[\\/]/.test(testPath)) {
  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function refuseInUnitTests() {
    throw new Error(
      `${testPath} starts a listening server, which unit tests must not (#10): ` +
        'move the test to tests/integration/ (same sub-folder) or test the code in process',
    );
  };
  afterAll(() => {
    net.Server.prototype.listen = listen;
  });
}
