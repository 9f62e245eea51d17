import "server-only";
import { cache } from "react";
import type { UserRead } from "@/lib/api/types";
import { bearerApi } from "@/lib/api/client";
import { accessToken } from "./api";

export interface Session {
  user: UserRead;
}

/**
 * The signed-in customer (GET /api/v1/me), or null for a guest or an expired session.
 * Deduplicated per request with React's cache(); calling it makes the page dynamic.
 */
export const getSession = cache(async (): Promise<Session | null> => {
  const token = await accessToken();
  if (!token) return null;
  try {
    const { data } = await bearerApi(token).GET("/api/v1/me");
    return data ? { user: data } : null;
  } catch {
    return null; // API unreachable: render as a guest rather than failing the page
  }
});
