// Light or dark: follows the system until the person picks one.
type Theme = 'light' | 'dark';
const KEY = 'shoebox-theme';

function systemTheme(): Theme {
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

class ThemeChoice {
  current = $state<Theme>((localStorage.getItem(KEY) as Theme | null) ?? systemTheme());

  apply() {
    document.documentElement.dataset.theme = this.current;
  }

  toggle() {
    this.current = this.current === 'dark' ? 'light' : 'dark';
    localStorage.setItem(KEY, this.current);
    this.apply();
  }
}

export const theme = new ThemeChoice();
