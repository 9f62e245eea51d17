import { startShop } from "./harness";

/** Starts the shop once for the run; the returned function is Playwright's global teardown. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const { env, stop } = await startShop();
  // Workers are started after this and inherit these variables (read by e2e/fixtures.ts).
  process.env.E2E_API_URL = env.apiUrl;
  process.env.E2E_STOREFRONT_URL = env.storefrontUrl;
  process.env.E2E_DATA_DIR = env.dataDir;
  process.env.E2E_REVALIDATE_SECRET = env.revalidateSecret;
  return stop;
}
