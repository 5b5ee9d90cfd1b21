// History-API routing: the server answers every non-/api path with index.html.

class Router {
  path = $state(location.pathname);
  query = $state(new URLSearchParams(location.search));

  constructor() {
    addEventListener('popstate', () => this.sync());
  }

  private sync() {
    this.path = location.pathname;
    this.query = new URLSearchParams(location.search);
  }

  go(to: string, { replace = false } = {}) {
    if (to === location.pathname + location.search) return;
    if (replace) history.replaceState(null, '', to);
    else history.pushState(null, '', to);
    this.sync();
    scrollTo(0, 0);
  }
}

export const router = new Router();

/** Follows same-origin link clicks without a page load. */
export function link(node: HTMLAnchorElement) {
  const onClick = (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (node.target || node.hasAttribute('download') || node.origin !== location.origin) return;
    event.preventDefault();
    router.go(node.pathname + node.search);
  };
  node.addEventListener('click', onClick);
  return { destroy: () => node.removeEventListener('click', onClick) };
}
