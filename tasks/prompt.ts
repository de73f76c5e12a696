/**
 * How a stage asks a question (when space runs low): the CLI answers from
 * stdin (`cli/prompt.ts`), tests and scripts with what they like.
 *
 * @module
 */

/** Asks a question and resolves to one line of answer, or `null` at end of input. */
export type Prompt = (question: string) => Promise<string | null>;
