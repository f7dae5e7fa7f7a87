import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import './globals.css';

export const metadata: Metadata = {
  title: 'hitboard — what sells most',
  description: 'Top products by units and revenue, live and for any past window, with how exact every figure is.',
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1 };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a className="skip" href="#top-list">
          Skip to the top list
        </a>
        {children}
      </body>
    </html>
  );
}
