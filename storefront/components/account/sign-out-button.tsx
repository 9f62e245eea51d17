"use client";
import { signOut } from "@/lib/session/actions";
import { invalidateWishlist } from "@/lib/wishlist/store";
import { SubmitButton } from "./form-parts";

/** Phase 1's sign-out action (revokes the refresh token, clears the cookies) plus a wishlist reset. */
export function SignOutButton() {
  return (
    <form action={signOut} onSubmit={invalidateWishlist}>
      <SubmitButton pendingLabel="Signing out…" variant="secondary">
        Sign out
      </SubmitButton>
    </form>
  );
}
