import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { PROBLEMS_EN, PROBLEMS_ZH } from '../../client/i18n/problem-words.js';

/**
 * The refusals' stable codes (server/http/errors.ts) and their words on the pages (client/i18n/problem-words.ts).
 * The codes are read from the server's code with the TypeScript parser: the first argument of every
 * `new Invalid('code', …)` (and the other DomainError classes), the fixed codes of the classes that have one, and
 * the `code:` of a rule's problem list (server/prescriptions/prescribe.ts). A code built at run time
 * (`missing-${name}`) is not seen here.
 */
const SERVER = join(import.meta.dirname, '..', '..', 'server');
const ERROR_CLASSES = new Set(['Invalid', 'Unprocessable', 'Unauthorized', 'Forbidden', 'NotFound', 'Conflict', 'Gone',
  'PreconditionFailed', 'PayloadTooLarge', 'UnsupportedMediaType', 'Unavailable', 'DomainError']);
const FIXED_CODES = ['too-many-requests', 'internal-error', 'method-not-allowed'];

function serverModules(folder = SERVER): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return serverModules(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

function declaredCodes(): Set<string> {
  const codes = new Set(FIXED_CODES);
  for (const path of serverModules()) {
    const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && ERROR_CLASSES.has(node.expression.text)) {
        const first = node.arguments?.[node.expression.text === 'DomainError' ? 1 : 0];
        if (first && ts.isStringLiteralLike(first)) codes.add(first.text);
      }
      // A rule's problem: `{ code: 'supply-too-long', detail: … }` (the first of them is thrown as the code).
      if (ts.isObjectLiteralExpression(node) && node.properties.some((p) => ts.isPropertyAssignment(p) && p.name.getText(file) === 'detail')) {
        for (const p of node.properties) {
          if (ts.isPropertyAssignment(p) && p.name.getText(file) === 'code' && ts.isStringLiteralLike(p.initializer)) codes.add(p.initializer.text);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return codes;
}

const worded = (words: Partial<Record<string, string>>) => Object.keys(words).filter((code) => words[code]?.trim());

describe('every refusal the pages can show has words in both languages', () => {
  const declared = declaredCodes();

  it('when the server declares its problem codes, then the parser finds them (the ones the pages already branch on among them)', () => {
    expect(declared.size).to.be.greaterThan(100);
    expect([...declared]).to.include.members(['slot-taken', 'visit-closed', 'invalid-credentials', 'supply-too-long', 'too-many-requests']);
  });

  it('when a code has words in English, then it has them in Chinese, and the other way round', () => {
    expect(worded(PROBLEMS_ZH).sort()).to.deep.equal(worded(PROBLEMS_EN).sort());
  });

  it('when the catalogue words a code, then the server declares it (no words for a code that is misspelt or gone)', () => {
    expect(worded(PROBLEMS_EN).filter((code) => !declared.has(code))).to.deep.equal([]);
  });

  it('when the server declares a code, then the catalogue words it (a new code comes with its words in both languages)', () => {
    const wordless = [...declared].filter((code) => !PROBLEMS_EN[code]).sort();
    expect(wordless, 'problem codes without words: add them to client/i18n/problem-words.ts in both languages').to.deep.equal([]);
  });
});
