import { describe, expect, it } from "vitest";
import { fieldErrorsOf, fieldMessage, formErrorsOf, humanizeWait, problemState, readableProblem, retryAfterSeconds } from "./problems";

describe("fieldErrorsOf", () => {
  it("maps the last loc part to the form field, first message wins", () => {
    const errors = fieldErrorsOf({
      status: 422,
      errors: [
        { loc: ["body", "password"], msg: "String should have at least 8 characters" },
        { loc: ["body", "password"], msg: "second" },
        { loc: ["body", "username"], msg: "Field required" },
        { loc: ["body"], msg: "ignored" },
      ],
    });
    expect(errors).toEqual({ password: "Use at least 8 characters.", email: "This field is required." });
  });
  it("is empty without errors", () => {
    expect(fieldErrorsOf({ status: 409, code: "email_taken" })).toEqual({});
  });
});

describe("fieldMessage", () => {
  it("rewords pydantic messages and strips the value-error prefix", () => {
    expect(fieldMessage("value is not a valid email address: bad")).toBe("Enter a valid email address.");
    expect(fieldMessage("Value error, `x` must not contain NUL characters")).toBe("`x` must not contain NUL characters");
    expect(fieldMessage(undefined)).toBe("This value is not valid.");
    expect(fieldMessage("String should have at least 1 character")).toBe("This field is required.");
  });
});

describe("retry time", () => {
  it("reads delta-seconds and HTTP dates", () => {
    expect(retryAfterSeconds("120")).toBe(120);
    expect(retryAfterSeconds(new Date(10_000 + 30_000).toUTCString(), 10_000)).toBe(30);
    expect(retryAfterSeconds("soon")).toBeNull();
    expect(retryAfterSeconds(null)).toBeNull();
  });
  it("humanizes, rounding up", () => {
    expect(humanizeWait(1)).toBe("in 1 second");
    expect(humanizeWait(45)).toBe("in 45 seconds");
    expect(humanizeWait(61)).toBe("in 2 minutes");
    expect(humanizeWait(3600)).toBe("in 1 hour");
  });
});

describe("problemState", () => {
  it("tells a throttled shopper when to retry", () => {
    const state = problemState(
      { status: 429, code: "rate_limited", detail: "Too many failed sign-in attempts; try again later." },
      "300",
      { email: "a@b.c" },
    );
    expect(state.message).toBe("Too many failed sign-in attempts. Try again in 5 minutes.");
    expect(state.values).toEqual({ email: "a@b.c" });
  });
  it("points at fields for validation errors and keeps the detail otherwise", () => {
    expect(problemState({ status: 422, errors: [{ loc: ["body", "new_password"], msg: "x" }] }, null).message).toBe(
      "Please correct the highlighted fields.",
    );
    expect(problemState({ status: 409, code: "email_taken", detail: "Email taken." }, null)).toMatchObject({
      status: "error",
      code: "email_taken",
      message: "Email taken.",
    });
  });
});

describe("errors about the request as a whole", () => {
  const invalid = {
    status: 422,
    code: "validation_error",
    detail: "The request is invalid; see `errors`.",
    errors: [{ loc: ["body"], msg: "Value error, a percentage discount needs a value between 1 and 100" }],
  };
  it("go into the summary with their message, never the pointer to `errors`", () => {
    expect(formErrorsOf(invalid)).toEqual(["A percentage discount needs a value between 1 and 100."]);
    expect(problemState(invalid, null)).toMatchObject({ message: "A percentage discount needs a value between 1 and 100.", fieldErrors: {} });
    expect(readableProblem(invalid)).toBe("The request is invalid. A percentage discount needs a value between 1 and 100.");
  });
  it("join the field errors' summary; nested and renamed fields point at the form's field", () => {
    const state = problemState(
      { status: 422, detail: "The request is invalid; see `errors`.", errors: [{ loc: ["body", "on_hand"], msg: "Input should be greater than or equal to 0" }, { loc: ["body"], msg: "x is wrong" }] },
      null,
      undefined,
      { on_hand: "quantity" },
    );
    expect(state.fieldErrors).toEqual({ quantity: "Input should be greater than or equal to 0" });
    expect(state.message).toBe("Please correct the highlighted fields. X is wrong.");
    expect(fieldErrorsOf({ status: 422, errors: [{ loc: ["body", "variants", 0, "sku"], msg: "Field required" }] })).toEqual({ sku: "This field is required." });
  });
});

describe("readableProblem", () => {
  it("replaces the pointer to `errors` with the errors themselves, named by their field", () => {
    const problem = { status: 422, code: "invalid_address", detail: "The address is invalid; see `errors`.", errors: [{ loc: ["shipping_address", "postal_code"], msg: "Not a valid postal code for DE." }] };
    expect(readableProblem(problem)).toBe("The address is invalid. Postal code: Not a valid postal code for DE.");
    expect(readableProblem({ detail: "The request is invalid; see `errors`.", errors: [{ loc: ["body"], msg: "Field required" }] })).toBe("The request is invalid. This field is required.");
    expect(readableProblem({ detail: "The request is invalid; see `errors`.", errors: [{ loc: ["body", "username"], msg: "x" }, { loc: ["body", "username"], msg: "x" }] })).toBe(
      "The request is invalid. Email: x.",
    );
    expect(readableProblem({ detail: "The request is invalid; see `errors`." })).toBe("The request is invalid.");
    expect(readableProblem({ detail: "see `errors`", errors: [{ loc: ["body"], msg: "Value error, ends must follow starts" }] })).toBe(
      "Please check what you entered. Ends must follow starts.",
    );
  });

  it("is the detail, else the title, else nothing (the caller picks the fallback)", () => {
    expect(readableProblem({ detail: "Email taken." })).toBe("Email taken.");
    expect(readableProblem({ title: "Not Found" })).toBe("Not Found");
    expect(readableProblem({ detail: "", title: "Not Found" })).toBe("Not Found");
    expect(readableProblem({})).toBeUndefined();
    expect(problemState({ status: 500 }, null).message).toBe("Something went wrong. Please try again.");
  });

  it("is what a form shows when the errors name no field it has", () => {
    const state = problemState({ status: 422, code: "invalid_address", detail: "The address is invalid; see `errors`.", errors: [{ loc: ["body"], msg: "Unknown country." }] }, null);
    expect(state.message).toBe("Unknown country.");
    expect(state.message).not.toContain("errors`");
  });
});
