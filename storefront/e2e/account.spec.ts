import { readFileSync } from "node:fs";
import { expect, test } from "./fixtures";
import { apiToken, createCustomer, placeOrder, emailedLink, expectTokensHidden, PASSWORD, screenshots, signInThroughForm, uniqueEmail } from "./account-helpers";

test("register, verify by the emailed link, sign out, reset the password by the emailed link, sign in", async ({ page, context, shop }) => {
  const email = uniqueEmail("journey");
  await page.goto("/account/sign-in");
  await screenshots(page, "sign-in");
  await page.getByRole("link", { name: "Create an account" }).click();
  await expect(page.getByRole("heading", { name: "Create an account" })).toBeVisible();

  // a weak password is refused by the API and explained next to the field
  await page.getByLabel("Full name").fill("Journey Shopper");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toContainText("Please correct the highlighted fields");
  await expect(page.getByLabel("Password")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Password")).toBeFocused(); // focus lands where the fix is needed
  await expect(page.getByText("Use at least 8 characters.")).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveValue(email);
  await screenshots(page, "register-error");

  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "Your account has been created" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Please verify your email address" })).toBeVisible();
  await expectTokensHidden(page, context, shop);
  await screenshots(page, "overview");

  // follow the link in the verification email (.eml in the data dir)
  const verifyLink = await emailedLink(shop, email, "/account/verify-email");
  expect(verifyLink.startsWith(`${shop.storefrontUrl}/account/verify-email?token=`)).toBe(true);
  await page.goto(verifyLink);
  await expect(page.getByRole("heading", { name: "Verify your email" })).toBeVisible();
  await page.getByRole("button", { name: "Confirm my email address" }).click();
  await expect(page.getByRole("status")).toContainText(`${email} is verified`);
  await page.getByRole("link", { name: "Continue to your account" }).click();
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Please verify your email address" })).toHaveCount(0);
  await expectTokensHidden(page, context, shop);

  // sign out from the account area: cookies gone, the account is out of reach
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("link", { name: "Sign in", exact: true })).toBeVisible();
  expect((await context.cookies(shop.storefrontUrl)).map((c) => c.name)).not.toContain("mercato_at");
  await page.goto("/account/profile");
  await expect(page).toHaveURL(/\/account\/sign-in\?next=%2Faccount%2Fprofile$/);

  // the same email cannot register twice
  await page.goto("/account/register");
  await page.getByLabel("Full name").fill("Someone Else");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toContainText("An account with this email already exists");
  await expect(page.getByText("This email is already registered.")).toBeVisible();

  // forgot password → emailed link → new password
  await page.goto("/account/sign-in");
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(page.getByRole("heading", { name: "Forgot your password?" })).toBeVisible();
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Email me a reset link" }).click();
  await expect(page.getByRole("status")).toContainText(`If an account exists for ${email}`);
  await screenshots(page, "forgot-password");
  const resetLink = await emailedLink(shop, email, "/account/reset-password");
  expect(resetLink.startsWith(`${shop.storefrontUrl}/account/reset-password?token=`)).toBe(true);
  await page.goto(resetLink);
  await expect(page.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
  const newPassword = "a brand new passphrase";
  await page.getByLabel("New password").fill(newPassword);
  await page.getByLabel("Confirm password").fill("something else");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByText("The passwords do not match.").last()).toBeVisible();
  await page.getByLabel("New password").fill(newPassword);
  await page.getByLabel("Confirm password").fill(newPassword);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByRole("status")).toContainText("Your password has been changed");
  await expectTokensHidden(page, context, shop);

  // the link is single-use
  await page.goto(resetLink);
  await page.getByLabel("New password").fill("yet another passphrase");
  await page.getByLabel("Confirm password").fill("yet another passphrase");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toContainText("invalid, expired or already used");

  // the old password no longer works, the new one does
  await page.goto("/account/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toContainText("Incorrect email or password");
  await page.getByLabel("Password").fill(newPassword);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  await expect(page.getByText(email)).toBeVisible();
  await expectTokensHidden(page, context, shop);
});

test("what is typed right after following a link between the sign-in pages is kept", async ({ page }) => {
  // Each of these pages has an Email field: a client-side transition would leave the old one on
  // screen for a moment, and typing at once would go into the page being left (and be lost).
  const hops: Array<[string, string, RegExp]> = [
    ["/account/sign-in", "Forgot your password?", /\/account\/forgot-password/],
    ["/account/sign-in", "Create an account", /\/account\/register/],
    ["/account/forgot-password", "Back to sign in", /\/account\/sign-in/],
  ];
  for (let round = 0; round < 2; round++) {
    for (const [from, link, to] of hops) {
      await page.goto(from);
      await page.getByRole("main").getByRole("link", { name: link }).click();
      await page.getByLabel("Email").fill(`${round}@example.com`);
      await expect(page).toHaveURL(to);
      await page.waitForTimeout(500); // a late transition would have replaced the field by now
      await expect(page.getByLabel("Email"), `${from} → ${link}`).toHaveValue(`${round}@example.com`);
    }
  }
});

test("sign-in throttling says when to try again; next= only goes to this site", async ({ page, request, shop }) => {
  const email = uniqueEmail("throttle");
  for (let i = 0; i < 10; i++) {
    const res = await request.post(`${shop.apiUrl}/api/v1/auth/token`, { form: { username: email, password: "wrong password", grant_type: "password" } });
    expect(res.status()).toBe(401);
  }
  await page.goto("/account/sign-in?next=https://evil.example/steal");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("wrong password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toContainText(/Too many failed sign-in attempts.* Try again in \d+ minutes?\./);
  await expect(page.locator('input[name="next"]')).toHaveValue("/account");
});

test("failed sign-ins count against the shopper's address, not the storefront's", async ({ page, request, shop }) => {
  // The storefront calls the API for every shopper: it passes on the address its edge (nginx) put
  // in X-Forwarded-For, so one shopper's failures do not throttle another one's sign-in.
  const email = await createCustomer(request, shop, "per-address");
  const attempt = async (password: string) => {
    await page.goto("/account/sign-in");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
  };
  await page.setExtraHTTPHeaders({ "X-Forwarded-For": "203.0.113.7" });
  for (let i = 0; i < 10; i++) {
    await attempt("wrong password");
    await expect(page.getByRole("main").getByRole("alert")).toContainText("Incorrect email or password");
  }
  await attempt("wrong password");
  await expect(page.getByRole("main").getByRole("alert")).toContainText("Too many failed sign-in attempts");
  await page.setExtraHTTPHeaders({ "X-Forwarded-For": "203.0.113.8" });
  await attempt(PASSWORD);
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
});

test("profile, password change and addresses", async ({ page, context, request, shop }) => {
  const email = await createCustomer(request, shop, "profile", "Profile Shopper");
  await signInThroughForm(page, email);

  await page.getByRole("navigation", { name: "Account" }).getByRole("link", { name: "Profile" }).click();
  await expect(page.getByRole("heading", { name: "Profile", level: 1 })).toBeVisible();
  await expect(page.getByLabel("Full name")).toHaveValue("Profile Shopper");
  await page.getByLabel("Full name").fill("Renamed Shopper");
  await page.getByLabel("Send me news about new arrivals and offers").check();
  await page.getByRole("button", { name: "Save profile" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Your profile has been saved." })).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Full name")).toHaveValue("Renamed Shopper");
  await expect(page.getByLabel("Send me news about new arrivals and offers")).toBeChecked();
  const me = await request.get(`${shop.apiUrl}/api/v1/me`, { headers: { Authorization: `Bearer ${await apiToken(request, shop, email)}` } });
  expect(await me.json()).toMatchObject({ full_name: "Renamed Shopper", marketing_consent: true });

  await page.getByLabel("Current password").fill("not my password");
  await page.getByLabel("New password").fill("another good passphrase");
  await page.getByLabel("Confirm password").fill("another good passphrase");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("This is not your current password.")).toBeVisible();
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password").fill("another good passphrase");
  await page.getByLabel("Confirm password").fill("another good passphrase");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Your password has been changed" })).toBeVisible();
  await page.reload(); // this session survives its own password change
  await expect(page.getByRole("heading", { name: "Profile", level: 1 })).toBeVisible();
  await screenshots(page, "profile");
  await expectTokensHidden(page, context, shop);

  // addresses: add (a missing field is explained next to it), edit, delete
  await page.getByRole("navigation", { name: "Account" }).getByRole("link", { name: "Addresses" }).click();
  await expect(page.getByText("You have no saved addresses yet.")).toBeVisible();
  await page.getByRole("link", { name: "Add an address" }).click();
  await page.getByLabel("Full name").fill("Renamed Shopper");
  await page.getByLabel("Address line 1").fill("Invalidenstraße 117");
  await page.getByLabel("City").fill("Berlin");
  await page.getByLabel("Country").selectOption("DE");
  await page.getByLabel("Phone").fill("+49 30 1234567");
  await page.getByRole("button", { name: "Add address" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toContainText("Please correct the highlighted fields");
  await expect(page.getByLabel("Postal code")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("City")).toHaveValue("Berlin");
  await screenshots(page, "address-form");
  await page.getByLabel("Postal code").fill("10115");
  await page.getByRole("button", { name: "Add address" }).click();
  await expect(page).toHaveURL(/\/account\/addresses\?saved=added$/);
  await expect(page.getByRole("status")).toHaveText("The address has been added.");
  const saved = page.getByRole("list", { name: "Saved addresses" }).getByRole("listitem");
  await expect(saved).toHaveCount(1);
  await expect(saved).toContainText("Invalidenstraße 117");
  await expect(saved).toContainText("10115 Berlin");
  await expect(saved).toContainText("Germany");
  await expect(saved).toContainText("Default address");
  await screenshots(page, "addresses");

  await page.getByRole("link", { name: /^Edit address: Renamed Shopper/ }).click();
  await expect(page.getByLabel("Address line 1")).toHaveValue("Invalidenstraße 117");
  await page.getByLabel("City").fill("Potsdam");
  await page.getByLabel("Postal code").fill("14467");
  await page.getByRole("button", { name: "Save address" }).click();
  await expect(page.getByRole("status")).toHaveText("The address has been saved.");
  await expect(saved).toContainText("14467 Potsdam");

  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByRole("button", { name: /^Delete address: Renamed Shopper/ }).click();
  await expect(page.getByRole("status")).toHaveText("The address has been deleted.");
  await expect(page.getByText("You have no saved addresses yet.")).toBeVisible();
  await expectTokensHidden(page, context, shop);
});

test("the address book asks for a state/province only where the country needs one and gives its postal code example, following the Country select", async ({ page, request, shop }) => {
  const email = await createCustomer(request, shop, "address-hints", "Hint Shopper");
  await signInThroughForm(page, email, PASSWORD, "/account/addresses/new");
  const postal = page.getByLabel("Postal code");
  const country = page.getByLabel("Country");
  const region = page.getByLabel("State / province");

  // Germany: no state/province, the hint shows (and describes the field) Germany's example
  await country.selectOption({ label: "Germany" });
  await expect(region).toHaveCount(0);
  await expect(page.getByText("For example 10115", { exact: true })).toBeVisible();
  await expect(postal).toHaveAccessibleDescription("For example 10115");

  // the United States: the field appears (required), the hint changes; the select keeps its place and focus
  await country.focus();
  const before = await country.boundingBox();
  await country.selectOption({ label: "United States" });
  await expect(region).toBeVisible();
  await expect(region).toHaveAttribute("required", "");
  await expect(postal).toHaveAccessibleDescription("For example 94105");
  await expect(page.getByText("For example 10115", { exact: true })).toHaveCount(0);
  await expect(country).toBeFocused();
  expect((await country.boundingBox())?.y).toBe(before?.y);

  // saved with its state; the edit form asks for it again, and not once Germany is chosen
  await page.getByLabel("Full name").fill("Hint Shopper");
  await page.getByLabel("Address line 1").fill("1 Market Street");
  await postal.fill("94105");
  await page.getByLabel("City").fill("San Francisco");
  await page.getByRole("button", { name: "Add address" }).click(); // no state: refused at the field, the form stays on the United States
  await expect(region).toHaveAttribute("aria-invalid", "true");
  await expect(region).toHaveAccessibleDescription("A state/province is required.");
  await expect(country).toHaveValue("US");
  await expect(postal).toHaveAccessibleDescription("For example 94105");
  await region.fill("CA");
  await page.getByRole("button", { name: "Add address" }).click();
  await expect(page).toHaveURL(/\/account\/addresses\?saved=added$/);
  const saved = page.getByRole("list", { name: "Saved addresses" }).getByRole("listitem");
  await expect(saved).toContainText("94105 San Francisco");
  await expect(saved).toContainText("CA");
  await page.getByRole("link", { name: /^Edit address: Hint Shopper/ }).click();
  await expect(region).toHaveValue("CA");
  await expect(postal).toHaveAccessibleDescription("For example 94105");
  await country.selectOption({ label: "Germany" });
  await expect(region).toHaveCount(0);
  await expect(postal).toHaveAccessibleDescription("For example 10115");
});

test("a guest's wishlist syncs to the account after sign-in", async ({ page, context, request, shop }) => {
  const products = (await (await request.get(`${shop.apiUrl}/api/v1/products?limit=3&sort=name`)).json()) as { items: Array<{ slug: string; title: string }> };
  const [first, second] = products.items;
  expect(first && second).toBeTruthy();
  // the account already holds `second`
  const email = await createCustomer(request, shop, "wishlist");
  const token = await apiToken(request, shop, email);
  const put = await request.put(`${shop.apiUrl}/api/v1/me/wishlist`, { headers: { Authorization: `Bearer ${token}` }, data: { items: [second!.slug] } });
  expect(put.status()).toBe(200);

  // as a guest: the product pages record views (RecordView); stand in for them here
  await page.goto("/account/wishlist");
  await page.evaluate((slugs) => localStorage.setItem("mercato.recently-viewed", JSON.stringify(slugs)), [first!.slug, second!.slug]);
  await page.reload();
  await expect(page.getByText("Your wishlist is empty.")).toBeVisible();
  const recent = page.getByRole("list", { name: "Recently viewed products" });
  const firstTile = recent.getByRole("listitem").filter({ hasText: first!.title });
  await expect(firstTile).toBeVisible();
  // in a list, each toggle names its product
  await firstTile.getByRole("button", { name: `Add ${first!.title} to wishlist`, exact: true }).click();
  await expect(firstTile.getByRole("button", { name: `Remove ${first!.title} from wishlist`, exact: true })).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByRole("button", { name: "Remove from wishlist", exact: true })).toHaveCount(0);
  await expect(firstTile.getByRole("status")).toHaveText(`${first!.title} was added to your wishlist.`);
  expect(await page.evaluate(() => localStorage.getItem("mercato.wishlist"))).toContain(first!.slug);
  await page.reload();
  await expect(page.getByRole("list", { name: "Saved products" }).getByRole("link", { name: first!.title })).toBeVisible();
  await screenshots(page, "wishlist-guest");

  // sign in: the guest list is merged into the account (union) and cleared locally
  await page.getByRole("link", { name: "Sign in", exact: true }).first().click();
  await expect(page).toHaveURL(/\/account\/sign-in/);
  await page.goto("/account/sign-in?next=/account/wishlist");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/account\/wishlist$/);
  const saved = page.getByRole("list", { name: "Saved products" });
  await expect(saved.getByRole("link", { name: first!.title })).toBeVisible();
  await expect(saved.getByRole("link", { name: second!.title })).toBeVisible();
  await expect.poll(async () => page.evaluate(() => localStorage.getItem("mercato.wishlist"))).toBeNull();
  const me = async () => ((await (await request.get(`${shop.apiUrl}/api/v1/me/wishlist`, { headers: { Authorization: `Bearer ${token}` } })).json()) as { items: string[] }).items;
  expect(new Set(await me())).toEqual(new Set([first!.slug, second!.slug]));
  await expectTokensHidden(page, context, shop);
  await screenshots(page, "wishlist");

  // signed in, the account is the source of truth
  const secondTile = saved.getByRole("listitem").filter({ hasText: second!.title });
  await secondTile.getByRole("button", { name: `Remove ${second!.title} from wishlist`, exact: true }).click();
  await expect(secondTile.getByRole("button", { name: `Add ${second!.title} to wishlist`, exact: true })).toHaveAttribute("aria-pressed", "false");
  await expect.poll(me).toEqual([first!.slug]);
  expect(await page.evaluate(() => localStorage.getItem("mercato.wishlist"))).toBeNull();
});

test("order history, data export as a JSON file, and account deletion", async ({ page, context, request, shop }) => {
  const email = await createCustomer(request, shop, "privacy", "Privacy Shopper");
  await signInThroughForm(page, email);
  await page.getByRole("navigation", { name: "Account" }).getByRole("link", { name: "Orders" }).click();
  await expect(page.getByText("You have not ordered anything yet.")).toBeVisible();

  const order = await placeOrder(request, shop, await apiToken(request, shop, email));
  await page.reload();
  await expect(page.getByRole("heading", { name: "Your orders" })).toBeVisible();
  const row = page.getByRole("list", { name: "Orders" }).getByRole("listitem");
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("Awaiting payment");
  await screenshots(page, "orders");
  await row.getByRole("link", { name: `Order ${order.number}` }).click();
  await expect(page.getByRole("heading", { name: `Order ${order.number}` })).toBeVisible();
  await expect(page.getByText(order.title).first()).toBeVisible();
  await expect(page.getByRole("region", { name: "Shipping address" })).toContainText("History Shopper");
  await expect(page.getByRole("region", { name: "Shipping address" })).toContainText("10115 Berlin");
  await screenshots(page, "order-detail");

  await page.getByRole("navigation", { name: "Account" }).getByRole("link", { name: "Privacy & data" }).click();
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download my data (JSON)" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^mercato-data-\d{4}-\d{2}-\d{2}\.json$/);
  const exported = JSON.parse(readFileSync((await file.path())!, "utf8")) as Record<string, unknown>;
  expect(JSON.stringify(exported)).toContain(email);
  expect(JSON.stringify(exported)).toContain("Privacy Shopper");
  expect(JSON.stringify(exported)).toContain(order.number);
  // a guest cannot export anything
  const guest = await request.get(`${shop.storefrontUrl}/account/export`);
  expect(guest.status()).toBe(401);
  expect(guest.headers()["content-type"]).toContain("application/problem+json");

  await page.getByRole("button", { name: "Delete my account…" }).click();
  await screenshots(page, "privacy");
  await page.getByRole("button", { name: "Delete my account permanently" }).click();
  await expect(page.getByText("Type DELETE in capital letters to confirm.").last()).toBeVisible();
  // the word in small letters is not enough
  await page.getByLabel("Type DELETE to confirm").fill("delete");
  await page.getByRole("button", { name: "Delete my account permanently" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Type DELETE in capital letters to confirm." })).toBeVisible();
  await expect(page.getByLabel("Type DELETE to confirm")).toHaveValue("delete");
  await expect(page).toHaveURL(/\/account\/privacy/);
  await page.getByLabel("Type DELETE to confirm").fill("DELETE");
  await page.getByRole("button", { name: "Delete my account permanently" }).click();
  await expect(page).toHaveURL(/\/account\/sign-in\?deleted=1$/);
  await expect(page.getByRole("status").filter({ hasText: "Your account has been deleted." })).toBeVisible();
  expect((await context.cookies(shop.storefrontUrl)).map((c) => c.name)).not.toContain("mercato_rt");

  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toContainText("Incorrect email or password");
});

test("a password too easy to guess is explained at the password field, on registering and on changing it", async ({ page, request, shop }) => {
  await page.goto("/account/register");
  await page.getByLabel("Full name").fill("Guessable Shopper");
  await page.getByLabel("Email").fill(uniqueEmail("weak"));
  await page.getByLabel("Password").fill("12345678"); // long enough, but a run: the API's weak_password
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toContainText("Please correct the highlighted fields");
  await expect(page.getByLabel("Password")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Password")).toHaveAccessibleDescription(/too easy to guess/);
  await expect(page.getByLabel("Password")).toBeFocused();

  const email = await createCustomer(request, shop, "weak-change");
  await signInThroughForm(page, email, PASSWORD, "/account/profile");
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password").fill("aaaaaaaaaa");
  await page.getByLabel("Confirm password").fill("aaaaaaaaaa");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByLabel("New password")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("New password")).toHaveAccessibleDescription(/too easy to guess/);
});
