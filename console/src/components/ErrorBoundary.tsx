import { Component, type ReactNode } from 'react';
import { ApiError } from './ApiError.tsx';

/** Around every page: a page that throws shows the error in words, the rest of the console stays. */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey: string }, { error: Error | null }> {
  state = { error: null as Error | null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  componentDidUpdate(prev: { resetKey: string }) {
    if (prev.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: null });
  }
  render() {
    if (this.state.error) return <ApiError error={{ code: 'CONSOLE_ERROR', message: this.state.error.message }} />;
    return this.props.children;
  }
}
