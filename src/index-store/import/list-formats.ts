/** The names of the list formats, apart from their readers so the command line can offer them cheaply. */

/** The list formats hashtriage reads. */
export const LIST_FORMATS = ['text', 'csv', 'tsv', 'ndjson', 'vics'] as const;
/** One of LIST_FORMATS. */
export type ListFormat = (typeof LIST_FORMATS)[number];
