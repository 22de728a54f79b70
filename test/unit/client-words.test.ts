import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/**
 * Every word the pages show comes from the catalogue (client/i18n/, issue 14 "Language"). This reads each client
 * module outside client/i18n with the TypeScript parser and lists the string literals it puts where a person
 * reads them: the text children of `el(tag, attributes, …children)`, the visible attributes (`aria-label`,
 * `title`, `placeholder`, `alt`) given to `el` or `setAttribute`, and what is assigned to `textContent`,
 * `innerText`, `title`, `placeholder`, `alt` or `ariaLabel`. A literal counts when it holds a letter: separators
 * such as ' · ' or ': ' are layout, not words.
 */
const CLIENT = join(import.meta.dirname, '..', '..', 'client');
const VISIBLE_ATTRIBUTES = new Set(['aria-label', 'title', 'placeholder', 'alt', 'aria-description', 'aria-roledescription']);
const VISIBLE_PROPERTIES = new Set(['textContent', 'innerText', 'title', 'placeholder', 'alt', 'ariaLabel']);
const HAS_WORDS = /\p{L}/u;

/**
 * Modules other sessions are rewriting now (the brief of issue 14's language pass names them); each leaves this
 * list when its rewrite lands with its words in the catalogue.
 */
const BEING_REWRITTEN = new Set<string>([]);

function clientModules(folder = CLIENT): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'i18n' ? [] : clientModules(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The literal's own words: a plain string, or the fixed parts of a template (`${…}` holes are values). */
function wordsOf(node: ts.Node): string | null {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return [node.head.text, ...node.templateSpans.map((span) => span.literal.text)].join('…');
  if (ts.isConditionalExpression(node)) return [wordsOf(node.whenTrue), wordsOf(node.whenFalse)].filter(Boolean).join(' | ') || null;
  if (ts.isParenthesizedExpression(node)) return wordsOf(node.expression);
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    return [wordsOf(node.left), wordsOf(node.right)].filter(Boolean).join('…') || null;
  }
  return null;
}

const nameOf = (name: ts.PropertyName) => (ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : null);

export function hardCodedWords(path: string, source = readFileSync(path, 'utf8')): string[] {
  const file = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const flag = (node: ts.Node) => {
    const words = wordsOf(node);
    if (words !== null && HAS_WORDS.test(words)) {
      found.push(`${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${JSON.stringify(words)}`);
    }
  };
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'el') {
      const [, attributes, ...children] = node.arguments;
      if (attributes && ts.isObjectLiteralExpression(attributes)) {
        for (const property of attributes.properties) {
          if (ts.isPropertyAssignment(property) && VISIBLE_ATTRIBUTES.has(nameOf(property.name) ?? '')) flag(property.initializer);
        }
      }
      children.forEach(flag);
    }
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const method = node.expression.name.text;
      const [first, second] = node.arguments;
      if (method === 'setAttribute' && first && second && VISIBLE_ATTRIBUTES.has(wordsOf(first) ?? '')) flag(second);
      if (['append', 'prepend', 'replaceChildren', 'before', 'after'].includes(method)) node.arguments.forEach(flag);
    }
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken
      && ts.isPropertyAccessExpression(node.left) && VISIBLE_PROPERTIES.has(node.left.name.text)) flag(node.right);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('the words of the pages come from the catalogue', () => {
  it('when a client module sets visible text, then the text is not a literal in the code', () => {
    const offenders = clientModules()
      .map((path) => ({ module: relative(CLIENT, path), words: hardCodedWords(path) }))
      .filter(({ module, words }) => words.length > 0 && !BEING_REWRITTEN.has(module));
    expect(offenders, offenders.map(({ module, words }) => `${module}\n  ${words.join('\n  ')}`).join('\n')).to.deep.equal([]);
  });

  it('when a module sets an English word as text, an attribute or a child, then the check finds it (and not a separator)', () => {
    const source = [
      "el('p', {}, 'Hello there');",
      "el('button', { 'aria-label': `Cancel ${when}` }, t.cancel);",
      "node.textContent = 'Saved.';",
      "node.setAttribute('title', 'More');",
      "el('li', {}, name, ' · ', when, ': ');",
      "node.textContent = t.saved;",
      "el('a', { href: '/visit.html', class: 'button' }, t.open);",
    ].join('\n');
    expect(hardCodedWords('example.ts', source)).to.deep.equal(['1: "Hello there"', '2: "Cancel …"', '3: "Saved."', '4: "More"']);
  });

  it('when a rewritten module carries its words in the catalogue, then it leaves the list of modules being rewritten', () => {
    const stillListed = [...BEING_REWRITTEN].filter((module) => {
      try {
        return hardCodedWords(join(CLIENT, module)).length === 0;
      } catch {
        return true; // the module was removed or renamed
      }
    });
    expect(stillListed, 'these modules have no literal words left: take them off BEING_REWRITTEN').to.deep.equal([]);
  });
});
