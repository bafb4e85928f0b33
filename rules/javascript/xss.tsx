import DOMPurify from 'dompurify';
import React from 'react';

type Props = { bio: string; html: string };

export function Profile({ bio, html }: Props) {
  // ruleid: mergegate.javascript.react-dangerously-set-inner-html
  const raw = <section dangerouslySetInnerHTML={{ __html: bio }} />;
  // ok: mergegate.javascript.react-dangerously-set-inner-html
  const clean = <section dangerouslySetInnerHTML={{ __html: DOMPurify.sanitize(html) }} />;
  // ok: mergegate.javascript.react-dangerously-set-inner-html
  const text = <p>{bio}</p>;
  return (
    <div>
      {raw}
      {clean}
      {text}
    </div>
  );
}

export function setPreview(el: HTMLElement, markdown: string): void {
  // ruleid: mergegate.javascript.xss-dom-html
  el.innerHTML = markdown;
}
