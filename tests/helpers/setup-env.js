// Tests run without cloud credentials: keep the AWS SDK off the instance metadata service and
// quiet about Node 20 (supported on purpose).
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
