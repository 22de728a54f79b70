/**
 * Tables turn into cards on phones (client/styles.css): each cell then shows its column's heading before it.
 * The headings are copied onto the cells (`data-label`) for every table any page draws, now or later.
 */
function labelCells(table: HTMLTableElement): void {
  const headings = [...table.querySelectorAll('thead th')].map((th) => th.textContent?.trim() ?? '');
  for (const row of table.querySelectorAll('tbody tr')) {
    [...row.children].forEach((cell, index) => {
      if (headings[index] && !cell.hasAttribute('data-label')) cell.setAttribute('data-label', headings[index]);
    });
  }
}

export function labelTableCellsAsTheyAppear(root: HTMLElement = document.body): void {
  const labelAll = () => root.querySelectorAll('table').forEach(labelCells);
  new MutationObserver(labelAll).observe(root, { childList: true, subtree: true });
  labelAll();
}
