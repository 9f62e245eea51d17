// Preloaded into the Next.js server (`node --import`, see serve.sh): its console output becomes one
// JSON object per line, the same shape as the API's log lines (docs/operations.md, Monitoring).
// MERCATO_LOG_JSON=false (as `make run` sets) keeps Next's human-readable output.
import { format } from "node:util";

if (process.env.MERCATO_LOG_JSON !== "false") {
  const levels = { debug: "debug", log: "info", info: "info", warn: "warning", error: "error" };
  const ansi = new RegExp(String.fromCharCode(27) + "\\[[0-9;]*m", "g");
  for (const [method, level] of Object.entries(levels)) {
    const stream = level === "error" || level === "warning" ? process.stderr : process.stdout;
    console[method] = (...args) => {
      const message = format(...args).replace(ansi, "").trim();
      if (!message) return;
      const line = {
        timestamp: new Date().toISOString(),
        level,
        logger: "next",
        service: "storefront",
        message,
      };
      stream.write(JSON.stringify(line) + "\n");
    };
  }
}
