import { signBody } from "../lib/security/signature";
import { expect, test } from "./fixtures";

test("POST /api/revalidate accepts only a valid signature and valid tags", async ({ request, shop }) => {
  const url = `${shop.storefrontUrl}/api/revalidate`;
  const body = JSON.stringify({ tags: ["products", "product:some-slug"] });

  const unsigned = await request.post(url, { data: body, headers: { "Content-Type": "application/json" } });
  expect(unsigned.status()).toBe(401);
  expect(unsigned.headers()["content-type"]).toContain("application/problem+json");

  const forged = await request.post(url, {
    data: body,
    headers: { "Content-Type": "application/json", "Mercato-Signature": signBody(body, "not-the-secret") },
  });
  expect(forged.status()).toBe(401);

  const bad = JSON.stringify({ tags: ["no spaces allowed"] });
  const invalid = await request.post(url, {
    data: bad,
    headers: { "Content-Type": "application/json", "Mercato-Signature": signBody(bad, shop.revalidateSecret) },
  });
  expect(invalid.status()).toBe(422);

  const ok = await request.post(url, {
    data: body,
    headers: { "Content-Type": "application/json", "Mercato-Signature": signBody(body, shop.revalidateSecret) },
  });
  expect(ok.status()).toBe(200);
  expect(await ok.json()).toEqual({ revalidated: ["products", "product:some-slug"] });
});
