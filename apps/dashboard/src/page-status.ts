import type { ServerResponse } from 'node:http';
import type { IntervalRegistry } from '@hitboard/time';
import { ParamError, parsePageQuery } from './lib/params';

/**
 * The status of a page request that the page will refuse: 400 when its query has a bad parameter, 404 when
 * its category is not in the catalog, else null (the page decides everything else). The page shows the
 * explanation itself (src/app/page.tsx), with the same lib/params validation; the status has to be decided
 * here, before Next renders: the root loading.tsx streams the page's first bytes (and a 200) before the page
 * has read its query, and Next has no way for a page to answer 400.
 */
export async function pageStatus(url: URL, registry: IntervalRegistry, categories: () => Promise<string[] | null>): Promise<400 | 404 | null> {
  if (url.pathname !== '/') return null;
  let category: string | null;
  try {
    category = parsePageQuery(registry, pageSearchParams(url.searchParams)).category;
  } catch (error) {
    if (error instanceof ParamError) return 400;
    throw error;
  }
  if (category === null) return null;
  const known = await categories();
  return known !== null && !known.includes(category) ? 404 : null;
}

/** The query as the page receives it (Next's `searchParams`): a repeated name is an array; Next's own `_rsc` is not the page's. */
export function pageSearchParams(params: URLSearchParams): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  for (const name of new Set(params.keys())) {
    if (name === '_rsc') continue;
    const all = params.getAll(name);
    record[name] = all.length === 1 ? all[0]! : all;
  }
  return record;
}

/**
 * Makes the response answer `status` where Next answers 200 (Next sets 200 itself before it renders; every
 * status line, Node's implicit one too, goes through writeHead). Any other status of Next's (a 500) stays.
 */
export function holdStatus(res: ServerResponse, status: number): void {
  const writeHead = res.writeHead.bind(res) as (code: number, ...rest: unknown[]) => ServerResponse;
  res.writeHead = ((code: number, ...rest: unknown[]) => {
    if (code !== 200) return writeHead(code, ...rest);
    return writeHead(status, ...(typeof rest[0] === 'string' ? rest.slice(1) : rest)); // "OK" is not the reason of a 400
  }) as ServerResponse['writeHead'];
}
