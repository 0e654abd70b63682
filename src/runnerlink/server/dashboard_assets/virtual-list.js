// A virtualised list of fixed-height rows: only the rows in view (and `overscan` around them) are in the DOM, and
// items are fetched a page at a time through a callback, so 100,000 items cost what 50 do. One row is the list's
// only Tab stop (tabindex 0, the others -1: the last focused, else the first in view): Up/Down, PageUp/PageDown,
// Home/End move it, Enter or a click opens the row. ARIA: the list is a listbox, each row an option with its position
// in the set; the selected item (by its key) is aria-selected. Used by the traffic view (newest first, reset and
// prepend) and the network view's VPC list (refresh: the same pages read again, unchanged rows kept).

const KEEP_ITEMS = 5000; // items kept around the view; farther ones are fetched again when scrolled back to

export class VirtualList {
  /**
   * fetchPage(offset, limit) → Promise<{total, items}>; renderRow(item, index) → Element (null item: not loaded);
   * onOpen(item, index) when a row is opened; onScroll() after the list scrolled; keyOf(item) → the string that
   * select() names (default: a traffic entry's seq).
   */
  constructor({ fetchPage, renderRow, onOpen = () => {}, onScroll = () => {}, rowHeight = 32, overscan = 10,
    pageSize = 100, label = "", className = "", testid = "", keyOf = null }) {
    Object.assign(this, { fetchPage, renderRow, onOpen, onScroll, rowHeight, overscan, pageSize });
    this.total = 0;
    this.items = new Map(); // index → item
    this.loading = new Map(); // page number → promise
    this.rows = new Map(); // index → row element in the DOM
    this.focus = 0; // the roving focus's index
    this.selected = null; // a key (item → string) of the opened item, for aria-selected
    this.keyOf = keyOf || ((item) => (item && item.seq !== undefined ? String(item.seq) : null));
    this.changed = new Set(); // indexes whose item a refresh replaced with a different one: their rows are redrawn
    this.generation = 0; // bumped by reset(): answers to older fetches are dropped
    this.element = document.createElement("div");
    this.element.className = `virtual-list ${className}`.trim();
    this.element.setAttribute("role", "listbox");
    this.element.tabIndex = -1;
    if (label) this.element.setAttribute("aria-label", label);
    if (testid) this.element.dataset.testid = testid;
    this.element.style.overflowY = "auto";
    this.element.style.position = "relative";
    this.spacer = document.createElement("div");
    this.spacer.setAttribute("aria-hidden", "true");
    this.spacer.style.height = "0px";
    this.element.append(this.spacer);
    this.scheduled = false;
    this.element.addEventListener("scroll", () => {
      this.schedule();
      this.onScroll();
    });
    this.element.addEventListener("keydown", (event) => this.keydown(event));
    this.element.addEventListener("click", (event) => {
      const row = event.target.closest("[data-index]");
      if (row && this.element.contains(row)) this.open(Number(row.dataset.index));
    });
    this.element.addEventListener("focusin", (event) => {
      const row = event.target.closest("[data-index]");
      if (row) {
        this.focus = Number(row.dataset.index);
        this.updateTabStops();
      }
    });
    if (window.ResizeObserver) new ResizeObserver(() => this.schedule()).observe(this.element);
  }

  /** Start over with a new total (new filters or anchor): cached items are dropped, page 0 is fetched. */
  async reset() {
    this.generation += 1;
    this.items.clear();
    this.loading.clear();
    this.clearRows();
    this.focus = 0;
    this.element.scrollTop = 0;
    await this.load(0);
    this.render();
  }

  /** Items arrived above the first (newest first: items[0] is the new top); the view stays at the top. */
  prepend(items) {
    if (!items.length) return;
    const shifted = new Map();
    for (const [index, item] of this.items) if (index + items.length < KEEP_ITEMS) shifted.set(index + items.length, item);
    items.forEach((item, index) => shifted.set(index, item));
    this.items = shifted;
    this.loading.clear();
    this.generation += 1; // a page in flight counts offsets from the old top
    this.setTotal(this.total + items.length);
    this.clearRows();
    this.render();
  }

  /**
   * Read the pages in view again (the items may have changed: a store write), keeping the scroll position and
   * focus. Rows whose item is unchanged stay in the DOM as they are; changed ones are drawn anew when it answers.
   */
  async refresh() {
    this.generation += 1;
    this.loading.clear();
    const [first, last] = this.range();
    const pages = new Set([Math.floor(Math.max(0, first) / this.pageSize)]);
    for (let page = Math.floor(first / this.pageSize); page <= Math.floor(last / this.pageSize); page++) pages.add(page);
    // Items of other pages would be stale: dropped, read again when scrolled to. The ones in view show till replaced.
    for (const index of [...this.items.keys()]) if (!pages.has(Math.floor(index / this.pageSize))) this.items.delete(index);
    await Promise.all([...pages].map((page) => this.load(page)));
  }

  setTotal(total) {
    this.total = total;
    this.spacer.style.height = `${total * this.rowHeight}px`;
    if (this.focus >= total) this.focus = Math.max(0, total - 1);
    for (const index of [...this.items.keys()]) if (index >= total) this.items.delete(index);
    for (const row of this.rows.values()) row.setAttribute("aria-setsize", String(total));
  }

  atTop() {
    return this.element.scrollTop < this.rowHeight / 2;
  }

  item(index) {
    return this.items.get(index);
  }

  /** Mark the item with this key (null: none) selected; while focus is elsewhere its row becomes the Tab stop. */
  select(key) {
    this.selected = key;
    const focusInside = this.element.contains(document.activeElement);
    for (const [index, row] of this.rows) {
      const selected = key !== null && this.keyOf(this.items.get(index)) === key;
      this.mark(row, selected);
      if (selected && !focusInside) this.focus = index;
    }
    this.updateTabStops();
  }

  mark(row, selected) {
    row.setAttribute("aria-selected", String(selected));
    row.classList.toggle("selected", selected); // style.css: .virtual-list .selected
  }

  // --- fetching ----------------------------------------------------------------------------------------------------
  load(page) {
    if (this.loading.has(page)) return this.loading.get(page);
    const generation = this.generation;
    const promise = this.fetchPage(page * this.pageSize, this.pageSize).then((answer) => {
      if (generation !== this.generation) return;
      if (page === 0 || answer.total !== this.total) this.setTotal(answer.total);
      answer.items.forEach((item, i) => {
        const index = page * this.pageSize + i;
        const old = this.items.get(index);
        if (old !== undefined && JSON.stringify(old) !== JSON.stringify(item)) this.changed.add(index);
        this.items.set(index, item);
      });
      this.forgetFar();
      this.schedule(true);
    }).catch((error) => {
      this.loading.delete(page);
      if (generation === this.generation) this.element.dispatchEvent(new CustomEvent("loaderror", { detail: error }));
    });
    this.loading.set(page, promise);
    return promise;
  }

  forgetFar() {
    if (this.items.size <= KEEP_ITEMS) return;
    const [first, last] = this.range();
    for (const index of this.items.keys()) {
      if (index < first - KEEP_ITEMS / 2 || index > last + KEEP_ITEMS / 2) {
        this.items.delete(index);
        this.loading.delete(Math.floor(index / this.pageSize));
      }
    }
  }

  // --- rendering ---------------------------------------------------------------------------------------------------
  schedule(refresh = false) {
    if (refresh) this.refreshLoaded = true;
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.render();
    });
  }

  range() {
    const height = this.element.clientHeight || 600;
    const top = this.element.scrollTop;
    const first = Math.max(0, Math.floor(top / this.rowHeight) - this.overscan);
    const last = Math.min(this.total - 1, Math.ceil((top + height) / this.rowHeight) + this.overscan);
    return [first, last];
  }

  clearRows() {
    for (const row of this.rows.values()) row.remove();
    this.rows.clear();
  }

  render() {
    const [first, last] = this.range();
    const refresh = this.refreshLoaded;
    this.refreshLoaded = false;
    const hadFocus = this.element.contains(document.activeElement) && document.activeElement !== this.element;
    for (const [index, row] of this.rows) {
      const stale = (refresh && row.dataset.loaded === "false" && this.items.has(index)) || this.changed.has(index);
      if (index < first || index > last || stale) {
        // The focused row stays until focus moves (unless it is redrawn, or gone: focus then moves to its successor).
        if (row.contains(document.activeElement) && !stale && index < this.total) continue;
        row.remove();
        this.rows.delete(index);
      }
    }
    this.changed.clear();
    for (let page = Math.floor(first / this.pageSize); page <= Math.floor(last / this.pageSize); page++) {
      if (last >= 0 && !this.items.has(Math.max(first, page * this.pageSize))) this.load(page);
    }
    for (let index = first; index <= last; index++) {
      if (this.rows.has(index)) continue;
      const item = this.items.get(index);
      const row = this.renderRow(item ?? null, index);
      row.dataset.index = String(index);
      row.dataset.loaded = String(item !== undefined);
      row.setAttribute("role", "option");
      row.setAttribute("aria-posinset", String(index + 1));
      row.setAttribute("aria-setsize", String(this.total));
      this.mark(row, item !== undefined && this.keyOf(item) === this.selected);
      row.tabIndex = -1;
      Object.assign(row.style, { position: "absolute", left: "0", right: "0", top: `${index * this.rowHeight}px`,
        height: `${this.rowHeight}px`, boxSizing: "border-box" });
      this.rows.set(index, row);
      this.element.append(row);
    }
    if (hadFocus && !this.element.contains(document.activeElement)) this.rows.get(this.focus)?.focus({ preventScroll: true });
    this.updateTabStops();
  }

  /** Exactly one row is a Tab stop: the roving focus's, or when that scrolled away the first row in view. */
  updateTabStops() {
    let stop = this.rows.has(this.focus) ? this.focus : null;
    if (stop === null && this.rows.size) {
      const top = Math.floor(this.element.scrollTop / this.rowHeight);
      const shown = [...this.rows.keys()];
      stop = Math.min(...shown.filter((index) => index >= top), Infinity);
      if (stop === Infinity) stop = Math.max(...shown);
    }
    for (const [index, row] of this.rows) {
      const tabIndex = index === stop ? 0 : -1;
      if (row.tabIndex !== tabIndex) row.tabIndex = tabIndex;
    }
  }

  // --- keyboard ----------------------------------------------------------------------------------------------------
  keydown(event) {
    const perPage = Math.max(1, Math.floor((this.element.clientHeight || 600) / this.rowHeight) - 1);
    const moves = { ArrowDown: 1, ArrowUp: -1, PageDown: perPage, PageUp: -perPage };
    let target = null;
    if (event.key in moves) target = this.focus + moves[event.key];
    else if (event.key === "Home") target = 0;
    else if (event.key === "End") target = this.total - 1;
    else if (event.key === "Enter" || event.key === " ") {
      const row = event.target.closest("[data-index]");
      if (row) {
        event.preventDefault();
        this.open(Number(row.dataset.index));
      }
      return;
    }
    if (target === null || !this.total) return;
    event.preventDefault();
    this.focusIndex(Math.max(0, Math.min(this.total - 1, target)));
  }

  focusIndex(index) {
    if (!this.total) return;
    this.focus = Math.max(0, Math.min(this.total - 1, index));
    this.scrollToIndex(this.focus);
    this.rows.get(this.focus)?.focus({ preventScroll: true });
  }

  /** Scroll so that row `index` is in view; renders at once (the row exists when this returns). */
  scrollToIndex(index) {
    const top = index * this.rowHeight;
    const height = this.element.clientHeight;
    if (top < this.element.scrollTop) this.element.scrollTop = top;
    else if (top + this.rowHeight > this.element.scrollTop + height) this.element.scrollTop = top + this.rowHeight - height;
    this.render();
  }

  open(index) {
    const item = this.items.get(index);
    if (item === undefined) return;
    this.focus = index;
    this.updateTabStops();
    this.onOpen(item, index);
  }
}
