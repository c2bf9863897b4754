/**
 * Records the MongoDB commands a piece of code issues, through the driver's command
 * monitoring. Importing this module switches monitoring on for the process's shared
 * client, which must happen before anything connects (it is fixed per connection), so
 * test files import it first.
 */
import type { CommandStartedEvent, Document } from 'mongodb';
import { mongoClient } from '../../platform/clients.js';

mongoClient().options.monitorCommands = true;
let recording: CommandStartedEvent[] | undefined;
mongoClient().on('commandStarted', (e) => recording?.push(e));

export interface Command {
  name: string;
  collection: unknown;
  /** The _ids of the documents an insert carried (empty for other commands). */
  ids: unknown[];
  /** How many documents an insert carried. */
  docs: number;
}

/** The commands `fn` issued, in order. */
export async function mongoCommands(fn: () => Promise<unknown>): Promise<Command[]> {
  const seen: CommandStartedEvent[] = [];
  recording = seen;
  try {
    await fn();
  } finally {
    recording = undefined;
  }
  return seen.map((e) => {
    const documents = (e.command.documents as Document[] | undefined) ?? [];
    return { name: e.commandName, collection: e.command[e.commandName], ids: documents.map((d) => d._id), docs: documents.length };
  });
}
