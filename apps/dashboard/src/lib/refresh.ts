/** How often a live window (or a closed one awaiting its exact figures) is asked for again (the API's live responses are cacheable for as long). */
export const REFRESH_MS = 5000;
