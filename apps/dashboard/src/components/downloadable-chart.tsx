'use client';

import { useRef, useState, type CSSProperties, type ReactNode } from 'react';
import { chartPng, saveBlob } from '../lib/chart-png';

/**
 * A chart with a "Download PNG" button: what is drawn in the chart's box (not the button) becomes a
 * PNG with `title` above it, saved as `fileName`. Every chart of the dashboard is wrapped in this.
 */
export function DownloadableChart(props: {
  fileName: string;
  title: string;
  label: string;
  bodyClassName: string;
  /** e.g. a height that depends on the content (the top chart's rows grow with wrapped names). */
  bodyStyle?: CSSProperties;
  children: ReactNode;
}) {
  const body = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<'idle' | 'busy' | 'failed'>('idle');
  const download = async () => {
    if (!body.current) return;
    setState('busy');
    try {
      saveBlob(await chartPng(body.current, { title: props.title }), props.fileName);
      setState('idle');
    } catch (error) {
      console.error('chart PNG failed', error);
      setState('failed');
    }
  };
  return (
    <figure className="chart-figure" aria-label={props.label}>
      <div ref={body} className={props.bodyClassName} style={props.bodyStyle} data-testid="chart-body">
        {props.children}
      </div>
      <figcaption className="chart-actions">
        {state === 'failed' ? <span role="alert">The PNG could not be made in this browser.</span> : null}
        <button type="button" className="button small" onClick={download} disabled={state === 'busy'} data-testid="chart-png" data-file-name={props.fileName}>
          Download PNG
        </button>
      </figcaption>
    </figure>
  );
}
