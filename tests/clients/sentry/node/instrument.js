// What the Sentry docs tell a Node.js app to load first (node --import ./instrument.js app.js): the
// SDK set up from the environment, nothing of erralert but the DSN.
const Sentry = require("@sentry/node");

Sentry.init({
  dsn: process.env.SENTRY_DSN,
  environment: "prod",
  release: "gateway@2.0.1",
  serverName: "node-1",
  sendDefaultPii: true,  // cookies and headers as sent: erralert's redaction must keep them in
  tracesSampleRate: 1.0,  // spans go to the envelope endpoint too, where they are skipped
  transportOptions: { bufferSize: 1000 },  // the storm below must not overflow the SDK's own queue
});
