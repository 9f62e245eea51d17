/**
 * What a shopper found going through whole journeys (round 3): small things a screen reader or a
 * phone shows that the other specs do not cover.
 */
import { expect, test } from "./fixtures";
import { PASSWORD, apiToken, createCustomer, placeOrder, signInThroughForm } from "./account-helpers";

test("the order history has a pages navigation only when there is another page", async ({ page, request, shop }) => {
  const email = await createCustomer(request, shop, "order-pages");
  await placeOrder(request, shop, await apiToken(request, shop, email));
  await signInThroughForm(page, email, PASSWORD, "/account/orders");
  await expect(page.getByRole("list", { name: "Orders" }).getByRole("listitem")).toHaveCount(1);
  await expect(page.getByRole("navigation", { name: "Order pages" })).toHaveCount(0);
});
