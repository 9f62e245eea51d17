/**
 * Import `test` and `expect` from here in every spec: `baseURL` points at the storefront the
 * global setup started, and the `shop` fixture gives the API address, the data dir and the emails.
 */
import { test as base, expect } from "@playwright/test";
import { readFileSync } from "node:fs";
import { listEmails, type ShopEnv } from "./harness";

export interface Shop extends ShopEnv {
  /** absolute paths of the .eml files written so far */
  emails(): string[];
  /** raw text of every email so far */
  readEmails(): string[];
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests through playwright (global setup)`);
  return value;
}

export const test = base.extend<{ shop: Shop }>({
  baseURL: async ({}, use) => {
    await use(required("E2E_STOREFRONT_URL"));
  },
  shop: async ({}, use) => {
    const dataDir = required("E2E_DATA_DIR");
    await use({
      apiUrl: required("E2E_API_URL"),
      storefrontUrl: required("E2E_STOREFRONT_URL"),
      dataDir,
      revalidateSecret: required("E2E_REVALIDATE_SECRET"),
      emails: () => listEmails(dataDir),
      readEmails: () => listEmails(dataDir).map((f) => readFileSync(f, "utf8")),
    });
  },
});

export { expect };
