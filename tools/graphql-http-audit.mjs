// Runs the GraphQL-over-HTTP server audits of graphql-http (pinned in package-lock.json) against
// a running endpoint and prints their results as one JSON array on stdout.
//
//   node tools/graphql-http-audit.mjs http://127.0.0.1:8000/graphql/
//
// Each result is {id, name, status, reason?, response?}; status is "ok", "notice" (a MAY not
// met), "warn" (a SHOULD not met) or "error" (a MUST not met). For a failed audit, "response" holds the status,
// the Content-Type and the first 500 characters of the body that failed it. The audits run one at
// a time, so a single-threaded test server is enough. Exits 0 whatever the results (the caller
// judges them); 2 on bad usage or when an audit itself crashes.
import { serverAudits } from "graphql-http";

const url = process.argv[2];
if (!url) {
  console.error("usage: node tools/graphql-http-audit.mjs <graphql endpoint URL>");
  process.exit(2);
}

async function describe(response) {
  if (!response) return undefined;
  let body;
  try {
    body = (await response.text()).slice(0, 500);
  } catch (error) {
    body = `(body not readable: ${error.message})`;
  }
  return { status: response.status, contentType: response.headers.get("content-type"), body };
}

const results = [];
for (const audit of serverAudits({ url, fetchFn: fetch })) {
  let result;
  try {
    result = await audit.fn();
  } catch (error) {
    // Not a failed assertion but a crash (e.g. the server is unreachable): no result to judge.
    console.error(`audit ${audit.id} (${audit.name}) crashed: ${error.stack ?? error}`);
    process.exit(2);
  }
  const entry = { id: result.id, name: result.name, status: result.status };
  if (result.status !== "ok") {
    entry.reason = result.reason;
    entry.response = await describe(result.response);
  }
  results.push(entry);
}
console.log(JSON.stringify(results, null, 2));
