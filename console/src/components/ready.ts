import { useEffect, useRef } from 'react';

/**
 * The page's ready marker: once its data (or its error) is shown, its root element gets data-ready = ms since the
 * navigation began (performance.now()). The browser tests read it to measure load times.
 */
export function useReadyMarker<T extends HTMLElement>(ready: boolean) {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (ready && ref.current && !ref.current.dataset.ready)
      ref.current.dataset.ready = String(Math.round(performance.now()));
  }, [ready]);
  return ref;
}
