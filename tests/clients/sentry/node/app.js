// A plain Node.js HTTP app that reports what fails with Sentry.captureException, as an app
// instrumented with @sentry/node does; started by node_test.py with SENTRY_DSN on erralertd.
const http = require("node:http");
const Sentry = require("@sentry/node");

class PaymentDeclined extends Error {
  constructor(message) {
    super(message);
    this.name = "PaymentDeclined";
  }
}

function divide(a, b) {
  if (b === 0) throw new RangeError("division by zero");
  return a / b;
}

function handle(url, body) {
  if (url.pathname === "/v1/crash") return { ratio: divide(1, 0) };
  if (url.pathname === "/v1/users") {
    const user = JSON.parse(body);
    if (!user.name) throw new TypeError("name must not be empty");
    return {};
  }
  const order = url.pathname.match(/^\/v1\/orders\/(\d+)\/pay$/);
  if (order) throw new PaymentDeclined(`card declined for order ${order[1]}`);
  return null;
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://app.local");
  let body = "";
  for await (const chunk of req) body += chunk;
  if (url.pathname === "/test/flush") {
    const flushed = await Sentry.flush(15000);
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(JSON.stringify({ flushed }));
  }
  try {
    const answer = handle(url, body);
    res.writeHead(answer ? 200 : 404, { "content-type": "application/json" });
    res.end(JSON.stringify(answer ?? { error: "not found" }));
  } catch (err) {
    Sentry.captureException(err);
    res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: "internal" }));
  }
});

server.listen(0, "127.0.0.1", () => console.log(`listening ${server.address().port}`));
process.on("SIGTERM", () => server.close(() => Sentry.close(5000).then(() => process.exit(0))));
