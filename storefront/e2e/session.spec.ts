import { expect, test } from "./fixtures";

test("sign in keeps tokens in httpOnly cookies, refreshes on the server, and signs out", async ({ page, context, request, shop }) => {
  const email = `e2e-${Date.now()}@example.com`;
  const password = "correct horse battery staple";
  const registered = await request.post(`${shop.apiUrl}/api/v1/auth/register`, {
    data: { email, password, full_name: "E2E Shopper" },
  });
  expect(registered.status()).toBe(201);
  // the worker delivers the verification email through the file mailer ($MERCATO_DATA_DIR/mail)
  await expect
    .poll(() => shop.readEmails().filter((m) => m.includes(email)).length, { timeout: 30_000 })
    .toBeGreaterThan(0);
  expect(shop.readEmails().find((m) => m.includes(email))).toContain(`${shop.storefrontUrl}/account/verify-email?token=`);

  await page.goto("/account");
  await expect(page).toHaveURL(/\/account\/sign-in\?next=(%2F|\/)account$/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("wrong password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toContainText("Incorrect email or password");
  await expect(page.getByLabel("Email")).toHaveValue(email); // refilled after React's form reset

  await page.goto("/account/sign-in?next=/account");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  await expect(page.getByText(email)).toBeVisible();
  await expect(page.getByRole("link", { name: "Account", exact: true })).toBeVisible();

  const cookies = await context.cookies(shop.storefrontUrl);
  const access = cookies.find((c) => c.name === "mercato_at");
  const refresh = cookies.find((c) => c.name === "mercato_rt");
  expect(access?.httpOnly && refresh?.httpOnly).toBe(true);
  expect(access?.sameSite).toBe("Lax");
  const visible = await page.evaluate(() => document.cookie + JSON.stringify({ ...localStorage }));
  expect(visible).not.toContain(access!.value);
  expect(visible).not.toContain(refresh!.value);

  // Lose the access token: the server refreshes with the refresh cookie and rotates both.
  await context.clearCookies({ name: "mercato_at" });
  await page.reload();
  await expect(page.getByText(email)).toBeVisible();
  const after = await context.cookies(shop.storefrontUrl);
  expect(after.find((c) => c.name === "mercato_at")?.value).toBeTruthy();
  expect(after.find((c) => c.name === "mercato_rt")?.value).not.toBe(refresh!.value);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("link", { name: "Sign in", exact: true })).toBeVisible();
  const gone = await context.cookies(shop.storefrontUrl);
  expect(gone.map((c) => c.name)).not.toContain("mercato_at");
  expect(gone.map((c) => c.name)).not.toContain("mercato_rt");
  // the old refresh token was revoked at the API
  const reuse = await request.post(`${shop.apiUrl}/api/v1/auth/refresh`, {
    data: { refresh_token: after.find((c) => c.name === "mercato_rt")!.value },
  });
  expect(reuse.status()).toBe(401);
});
