import "server-only";
import { redirect } from "next/navigation";
import type { UserRead } from "@/lib/api/types";
import { getSession } from "@/lib/session/session";

/** The signed-in customer, or a redirect to sign-in that comes back to `path`. */
export async function requireUser(path: string): Promise<UserRead> {
  const session = await getSession();
  if (!session) redirect(`/account/sign-in?next=${encodeURIComponent(path)}`);
  return session.user;
}

/** A single string search parameter (arrays and absent values → undefined). */
export function param(value: string | string[] | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}
