/**
 * JSON a service reads back from a shared store (Redis values other writers keep, another
 * service's answer): a value that is missing, not JSON or not of the expected shape is
 * "nothing there", never an exception, since the readers treat it as absent and carry on.
 */
import type { z } from 'zod';

export function parseStoredJson<S extends z.ZodType>(schema: S, text: string | null | undefined): z.output<S> | null {
  if (!text) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : null;
}
