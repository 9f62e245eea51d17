import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect, type Shop } from "./fixtures";

/** `mercato users create-admin EMAIL` against the harness's data dir (promotes the account). */
export function promoteToAdmin(shop: Shop, email: string): void {
  const repo = path.resolve(__dirname, "..", "..");
  const result = spawnSync(path.join(repo, ".venv", "bin", "mercato"), ["users", "create-admin", email], {
    cwd: repo,
    encoding: "utf8",
    env: { ...process.env, MERCATO_DATA_DIR: shop.dataDir, MERCATO_ENV: "development", MERCATO_LOG_JSON: "false" },
  });
  expect(result.status, result.stderr).toBe(0);
}
