/** Compile-time check: every document type the API reads is defined in the schema. */
import { documentTypeNames, schemaTypes } from "../schemaTypes";

type Defined = (typeof schemaTypes)[number]["name"];
type Missing = Exclude<(typeof documentTypeNames)[number], Defined>;
export const everyDocumentTypeIsDefined: [Missing] extends [never] ? true : never = true;
