/**
 * The admin's product import goes through a route handler, not a server action (ADR 0065): a
 * file over the 1 MB a server action takes imports from the page, up to the API's 20 MB; a
 * cross-site post and a customer are refused before the file is read.
 */
import { expect, test, type Shop } from "./fixtures";
import { PASSWORD, createCustomer, signInThroughForm } from "./account-helpers";
import { promoteToAdmin } from "./admin-helpers";
import type { APIRequestContext } from "@playwright/test";

const ROUTE = "/api/admin/products/import";

/** A CSV of `count` draft products with long descriptions; the first declares a new category. */
function bigCsv(tag: string, count: number): string {
  const lines = ["slug,title,status,description,category,category_path,sku,price,stock"];
  const filler = "Hand-made, sturdy and plain. ".repeat(180); // ~5 KB a row
  const path = JSON.stringify([{ slug: `imported-${tag}`, name: `Imported ${tag}` }]).replace(/"/g, '""');
  for (let i = 0; i < count; i++) {
    const declared = i === 0 ? `"${path}"` : "";
    lines.push(`big-${tag}-${i},Big ${tag} ${i},draft,"<p>${filler}${i}</p>",imported-${tag},${declared},BIG-${tag}-${i},1500,3`);
  }
  return lines.join("\n") + "\n";
}

async function staffPage(page: import("@playwright/test").Page, request: APIRequestContext, shop: Shop, tag: string): Promise<void> {
  const email = await createCustomer(request, shop, tag, "Import Staff");
  promoteToAdmin(shop, email);
  await signInThroughForm(page, email, PASSWORD, "/admin/products/import");
}

test("staff import a CSV larger than 1 MB from the page, JSON too, and a file over 20 MB is refused at its field", async ({ page, request, shop }) => {
  test.setTimeout(240_000);
  const tag = `${Date.now()}`;
  await staffPage(page, request, shop, `import-${tag}`);
  const csv = bigCsv(tag, 220);
  expect(Buffer.byteLength(csv)).toBeGreaterThan(1024 * 1024);

  await page.getByLabel("CSV or JSON file").setInputFiles({ name: "products.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByLabel("CSV or JSON file").focus();
  await page.keyboard.press("Tab"); // the partial checkbox
  await page.keyboard.press("Tab"); // the submit button
  await expect(page.getByRole("button", { name: "Import file" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status")).toHaveText("Imported: 220 created, 0 updated, 0 skipped; 1 category created.", { timeout: 120_000 });
  const categories = await page.request.get(`${shop.apiUrl}/api/v1/categories`);
  expect(JSON.stringify(await categories.json())).toContain(`imported-${tag}`);

  // JSON (chosen by the file's name) over the 10 MB Next buffers for proxy.ts, which this route
  // skips: the whole file arrives (padded with whitespace, still one product), so it updates
  const product = JSON.stringify([{ slug: `big-${tag}-0`, title: `Big ${tag} 0 renamed`, status: "draft", variants: [{ sku: `BIG-${tag}-0`, price: 1500, stock: 3 }] }]);
  const json = product + " ".repeat(12 * 1024 * 1024);
  await page.getByLabel("CSV or JSON file").setInputFiles({ name: "products.json", mimeType: "application/json", buffer: Buffer.from(json) });
  await page.getByRole("button", { name: "Import file" }).click();
  await expect(page.getByRole("status")).toHaveText("Imported: 0 created, 1 updated, 0 skipped.");

  // over the API's limit: said at the file field, with an alert, nothing sent
  await page.getByLabel("CSV or JSON file").setInputFiles({ name: "huge.csv", mimeType: "text/csv", buffer: Buffer.alloc(20 * 1024 * 1024 + 1, "a") });
  await page.getByRole("button", { name: "Import file" }).click();
  await expect(page.getByRole("form", { name: "Import products from CSV or JSON" }).getByRole("alert")).toContainText("larger than 20 MB");
  await expect(page.getByLabel("CSV or JSON file")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("CSV or JSON file")).toBeFocused();

  // and the route itself refuses such a body (a post without the page's script) with a 413 problem
  const tooLarge = await page.request.post(ROUTE, {
    headers: { Accept: "application/json", Origin: shop.storefrontUrl },
    multipart: { file: { name: "huge.csv", mimeType: "text/csv", buffer: Buffer.alloc(21 * 1024 * 1024, "a") } },
  });
  expect(tooLarge.status()).toBe(413);
  const problem = (await tooLarge.json()) as { code: string; state: { fieldErrors: { file: string } } };
  expect(problem.code).toBe("file_too_large");
  expect(problem.state.fieldErrors.file).toContain("larger than 20 MB");
});

test("without script the import form posts to the route and the page shows its outcome", async ({ browser, page, request, shop }) => {
  test.setTimeout(120_000);
  const tag = `${Date.now()}`;
  await staffPage(page, request, shop, `import-nojs-${tag}`);
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL: shop.storefrontUrl, storageState: await page.context().storageState() });
  const plain = await context.newPage();
  await plain.goto("/admin/products/import");
  await plain.getByLabel("CSV or JSON file").setInputFiles({ name: "one.csv", mimeType: "text/csv", buffer: Buffer.from(`slug,title,status,sku,price,stock\nplain-${tag},Plain ${tag},draft,PLAIN-${tag},900,1\n`) });
  await plain.getByRole("button", { name: "Import file" }).click();
  await expect(plain).toHaveURL(/\/admin\/products\/import\?status=success/);
  await expect(plain.getByRole("status")).toHaveText("Imported: 1 created, 0 updated, 0 skipped.");
  await context.close();
});

test("a cross-site post and a customer are refused, and nothing is imported", async ({ browser, page, request, shop }) => {
  test.setTimeout(120_000);
  const tag = `${Date.now()}`;
  const csv = `slug,title,status,sku,price,stock\nevil-${tag},Evil ${tag},active,EVIL-${tag},1,1\n`;
  const file = { name: "evil.csv", mimeType: "text/csv", buffer: Buffer.from(csv) };

  // a signed-in staff member's cookies, sent with another site's Origin / Fetch Metadata
  await staffPage(page, request, shop, `import-csrf-${tag}`);
  const crossSite: Array<Record<string, string>> = [{ Origin: "http://evil.example" }, { "Sec-Fetch-Site": "cross-site" }, { Origin: "null" }];
  for (const headers of crossSite) {
    const refused = await page.request.post(ROUTE, { headers: { Accept: "application/json", ...headers }, multipart: { file } });
    expect(refused.status()).toBe(403);
    expect(refused.headers()["content-type"]).toContain("application/problem+json");
    expect(((await refused.json()) as { code: string }).code).toBe("csrf_refused");
  }
  // a browser form on another site posting to the route
  const attacker = await browser.newContext({ storageState: await page.context().storageState() });
  const evil = await attacker.newPage();
  await evil.route("http://evil.example/", (route) =>
    route.fulfill({
      contentType: "text/html",
      body: `<!doctype html><form method="post" enctype="multipart/form-data" action="${shop.storefrontUrl}${ROUTE}"><input type="hidden" name="partial" value="on"></form><script>document.forms[0].submit()</script>`,
    }),
  );
  const answered = evil.waitForResponse((r) => r.url() === `${shop.storefrontUrl}${ROUTE}`);
  await evil.goto("http://evil.example/");
  expect((await answered).status()).toBe(403);
  await attacker.close();

  // the same post from the shop's own page is accepted (the refusal above is the CSRF check)
  const control = await page.request.post(ROUTE, { headers: { Accept: "application/json", Origin: shop.storefrontUrl, "Sec-Fetch-Site": "same-origin" }, multipart: { file: { ...file, buffer: Buffer.from(csv.replace(/evil/g, "fine").replace(/Evil/g, "Fine").replace("active", "draft")) } } });
  expect(control.status(), await control.text()).toBe(200);

  // a customer: refused before the file is read, and the page sends them away
  const customerContext = await browser.newContext({ baseURL: shop.storefrontUrl });
  const customer = await customerContext.newPage();
  await signInThroughForm(customer, await createCustomer(request, shop, `import-customer-${tag}`));
  const forbidden = await customer.request.post(ROUTE, { headers: { Accept: "application/json", Origin: shop.storefrontUrl }, multipart: { file } });
  expect(forbidden.status()).toBe(403);
  const body = (await forbidden.json()) as { code: string; state: { message: string } };
  expect(body.code).toBe("forbidden");
  expect(body.state.message).toBe("Your role does not allow this.");
  await customer.goto("/admin/products/import");
  await expect(customer).toHaveURL(/\/admin\/forbidden$/);
  await customerContext.close();

  // nobody created the product
  expect((await request.get(`${shop.apiUrl}/api/v1/products/evil-${tag}`)).status()).toBe(404);
});
