/**
 * The Standard Schema interface (standardschema.dev), so a task's input may be a zod schema or
 * any other library implementing it. Types only, plus one helper to run a validation.
 * @module
 */

/** A schema implementing Standard Schema v1. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

/** One problem found by a schema. */
export interface StandardIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardIssue> };

/** The validated (output) type of a schema. */
export type InferOutput<S> = S extends StandardSchemaV1<unknown, infer O> ? O : never;
/** The accepted (input) type of a schema. */
export type InferInput<S> = S extends StandardSchemaV1<infer I, unknown> ? I : never;

/** Validate `value`: the parsed value or the issues, as the schema gives them (synchronously when it can). */
export function validate<O>(schema: StandardSchemaV1<unknown, O>, value: unknown): StandardResult<O> | Promise<StandardResult<O>> {
  return schema["~standard"].validate(value);
}
