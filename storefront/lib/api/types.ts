/**
 * Named aliases for the API's schemas. Read types from `components["schemas"]` (never hand-write
 * API shapes) so regenerating the client after an API change is cheap.
 */
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Schema<Name extends keyof Schemas> = Schemas[Name];
export type { paths };

export type Money = Schemas["Money"];
export type ProductSummary = Schemas["ProductSummary"];
export type ProductPage = Schemas["ProductPage"];
export type ProductRead = Schemas["ProductRead"];
export type CategoryNode = Schemas["CategoryNode"];
export type CartRead = Schemas["CartRead"];
export type UserRead = Schemas["UserRead"];
export type TokenResponse = Schemas["TokenResponse"];

/** An RFC 9457 problem document as the API returns it (`application/problem+json`). */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  errors?: Array<{ loc?: Array<string | number>; msg?: string; type?: string }>;
  [key: string]: unknown;
}
