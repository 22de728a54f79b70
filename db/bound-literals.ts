/**
 * A SELECT that Sequelize's query generator wrote with its values in the text, turned into one with `?` for each
 * string literal and the literals as bound values: the same statement for every value searched, so SQLite prepares
 * it once (db/sqlite-statements.ts keeps the prepared statements). A bound text compares exactly as the literal it replaces (both
 * have no affinity). Quoted identifiers (`name`, "name") and blob literals (X'00') stay as written; numbers stay in
 * the text. Only for SQLite's quoting, where a quote inside a literal is doubled ('O''Brien').
 */
export function boundLiterals(sql: string): { sql: string; params: string[] } {
  const params: string[] = [];
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === '`' || c === '"') {
      const end = closing(sql, i, c);
      out += sql.slice(i, end);
      i = end;
    } else if (c === "'") {
      const end = closing(sql, i, "'");
      const isBlob = /[xX]/.test(sql[i - 1] ?? '') && !/[\w$]/.test(sql[i - 2] ?? '');
      if (isBlob) out += sql.slice(i, end);
      else {
        params.push(sql.slice(i + 1, end - 1).replaceAll("''", "'"));
        out += '?';
      }
      i = end;
    } else {
      out += c;
      i++;
    }
  }
  return { sql: out, params };
}

/** The index just past the quoted run that starts at `start` (a doubled quote stays inside it). */
function closing(sql: string, start: number, quote: string): number {
  let i = start + 1;
  for (;;) {
    const next = sql.indexOf(quote, i);
    if (next < 0) throw new Error('A quoted run in a generated statement does not end.');
    if (sql[next + 1] !== quote) return next + 1;
    i = next + 2;
  }
}
