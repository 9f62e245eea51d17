/**
 * Starts the whole shop for browser tests: `mercato db upgrade`, `mercato demo seed`, then
 * `mercato serve`, `mercato worker`, `mercato scheduler` and the built storefront (`next start`),
 * each on a free port with one fresh MERCATO_DATA_DIR. Logs go to test-results/e2e-logs/.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

const STOREFRONT_DIR = path.resolve(__dirname, "..");
const REPO_DIR = path.resolve(STOREFRONT_DIR, "..");
const MERCATO = path.join(REPO_DIR, ".venv", "bin", "mercato");
const LOG_DIR = path.join(STOREFRONT_DIR, "test-results", "e2e-logs");

export interface ShopEnv {
  apiUrl: string;
  storefrontUrl: string;
  dataDir: string;
  /** MERCATO_REVALIDATE_SECRET of the storefront under test */
  revalidateSecret: string;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

async function waitForOk(url: string, what: string, child: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}; see ${LOG_DIR}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not answer ${url} within ${timeoutMs / 1000}s; see ${LOG_DIR}`);
}

function run(name: string, args: string[], env: NodeJS.ProcessEnv): void {
  const result = spawnSync(MERCATO, args, { env, encoding: "utf8", cwd: REPO_DIR });
  if (result.status !== 0) {
    throw new Error(`mercato ${args.join(" ")} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}

function start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): ChildProcess {
  const log = createWriteStream(path.join(LOG_DIR, `${name}.log`));
  // detached: its own process group, so teardown stops the children it forks (celery prefork)
  const child = spawn(command, args, { env, cwd, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

function stop(children: ChildProcess[]): Promise<void> {
  return Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.pid === undefined) return resolve();
          const timer = setTimeout(() => {
            try {
              process.kill(-child.pid!, "SIGKILL");
            } catch {
              // already gone
            }
          }, 10_000);
          child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
          try {
            process.kill(-child.pid, "SIGTERM");
          } catch {
            clearTimeout(timer);
            resolve();
          }
        }),
    ),
  ).then(() => undefined);
}

/** The backup key of the shop under test (`mercato backup …` from a spec needs the same). */
export const BACKUP_KEY = "e2e-backup-key-0123456789abcdef0123456789abcdef";

/** Start everything; resolves with the addresses and a function that stops it all. */
export async function startShop(): Promise<{ env: ShopEnv; stop: () => Promise<void> }> {
  if (!existsSync(MERCATO)) throw new Error(`${MERCATO} is missing: run make bootstrap`);
  if (!existsSync(path.join(STOREFRONT_DIR, ".next", "BUILD_ID"))) {
    throw new Error("the storefront is not built: run make storefront-build");
  }
  mkdirSync(LOG_DIR, { recursive: true });
  const dataDir = mkdtempSync(path.join(tmpdir(), "mercato-e2e-"));
  const [apiPort, shopPort] = [await freePort(), await freePort()];
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const storefrontUrl = `http://127.0.0.1:${shopPort}`;
  const revalidateSecret = randomBytes(24).toString("hex");
  const backendEnv: NodeJS.ProcessEnv = {
    ...process.env,
    MERCATO_DATA_DIR: dataDir,
    MERCATO_ENV: "development",
    MERCATO_PUBLIC_BASE_URL: apiUrl,
    MERCATO_STOREFRONT_URL: storefrontUrl,
    MERCATO_CORS_ORIGINS: JSON.stringify([storefrontUrl]),
    MERCATO_LOG_JSON: "false",
    MERCATO_WORKER__CONCURRENCY: "1",
    MERCATO_AUTH__REGISTRATIONS_PER_IP_PER_HOUR: "1000", // every test's shopper registers from 127.0.0.1
    MERCATO_STOREFRONT__REVALIDATE_SECRET: revalidateSecret, // the worker tells the shop about catalog changes
    // parcels move every 2 s (simulated carrier) and are polled every second: shipping.spec.ts
    MERCATO_SHIPPING__SIMULATED_STEP_SECONDS: "2",
    MERCATO_SHIPPING__POLL_EVERY_SECONDS: "1",
    MERCATO_SHIPPING__POLL_INTERVAL_SECONDS: "1",
    MERCATO_BACKUP__ENCRYPTION_KEY: BACKUP_KEY, // admin.spec.ts makes a backup and verifies it
  };
  run("upgrade", ["db", "upgrade"], backendEnv);
  run("seed", ["demo", "seed", "--products", process.env.E2E_PRODUCTS || "60"], backendEnv);

  const children: ChildProcess[] = [];
  try {
    const api = start("api", MERCATO, ["serve", "--host", "127.0.0.1", "--port", String(apiPort)], backendEnv, REPO_DIR);
    children.push(api);
    children.push(start("worker", MERCATO, ["worker", "--concurrency", "1"], backendEnv, REPO_DIR));
    children.push(start("scheduler", MERCATO, ["scheduler"], backendEnv, REPO_DIR));
    const shop = start(
      "storefront",
      path.join(STOREFRONT_DIR, "node_modules", ".bin", "next"),
      ["start", "--hostname", "127.0.0.1", "--port", String(shopPort)],
      {
        ...process.env,
        NODE_ENV: "production",
        NEXT_TELEMETRY_DISABLED: "1",
        MERCATO_API_URL: apiUrl,
        MERCATO_STOREFRONT_URL: storefrontUrl,
        MERCATO_REVALIDATE_SECRET: revalidateSecret,
      },
      STOREFRONT_DIR,
    );
    children.push(shop);
    await waitForOk(`${apiUrl}/healthz`, "the API", api);
    await waitForOk(`${storefrontUrl}/api/health`, "the storefront", shop);
  } catch (error) {
    await stop(children);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    env: { apiUrl, storefrontUrl, dataDir, revalidateSecret },
    stop: async () => {
      await stop(children);
      if (!process.env.E2E_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The .eml files the file mailer wrote so far (absolute paths, oldest first by name). */
export function listEmails(dataDir: string): string[] {
  const dir = path.join(dataDir, "mail");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".eml"))
    .sort()
    .map((f) => path.join(dir, f));
}
