"use client";
import { signOutAction } from "@/lib/account/actions";
import { invalidateWishlist } from "@/lib/wishlist/store";
import { SubmitButton } from "./form-parts";

export function SignOutButton() {
  return (
    <form action={signOutAction} onSubmit={invalidateWishlist}>
      <SubmitButton pendingLabel="Signing out…" variant="secondary">
        Sign out
      </SubmitButton>
    </form>
  );
}
