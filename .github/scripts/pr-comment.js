// One pull-request comment for every stack `siaga check` ran on (policy-check.yml, job `comment`), updated in
// place on every re-run. Reads what each matrix job left in DIR (the merged artifacts siaga-check-*):
// <stack>.md (the Markdown report) and <stack>.code (siaga check's exit code: 0 passed, 1 mandatory
// violations, anything else: could not run). Older per-stack comments of this workflow (first line
// "<!-- siaga-check project/stack -->", written by a bot) are removed, so a pull request keeps one comment.
// The report text itself is siaga's (siaga/reporters/markdown.py); this only assembles and posts it.
'use strict';

const fs = require('fs');
const path = require('path');

const MARKER = '<!-- siaga-check-pr -->';
const LIMIT = 65536; // GitHub refuses a comment body longer than this (characters)

function inert(name) {
  // stack names come from file names of the pull request: shown as code, never as Markdown
  return '`' + String(name).replace(/[`\r\n]/g, '') + '`';
}

function verdict(code) {
  if (code === '0') return 'passed: no mandatory violation';
  if (code === '1') return 'mandatory violations';
  if (code === '') return 'did not finish (no result)';
  return `could not run (exit ${code})`;
}

function compose(dir, { runUrl = '', limit = LIMIT } = {}) {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  const stacks = [...new Set(files.filter((f) => /\.(md|code)$/.test(f)).map((f) => f.replace(/\.(md|code)$/, '')))].sort();
  const read = (name) => (fs.existsSync(path.join(dir, name)) ? fs.readFileSync(path.join(dir, name), 'utf8') : null);
  const rows = stacks.map((s) => `| ${inert(s)} | ${verdict((read(`${s}.code`) || '').trim())} |`);
  const where = runUrl ? ` ([run](${runUrl}))` : '';
  const head = [MARKER, `### siaga check: ${stacks.length} stack${stacks.length === 1 ? '' : 's'}${where}`, '',
    '| stack | result |', '| --- | --- |', ...rows, ''].join('\n');
  const sections = stacks.map((s) => ({ stack: s, text: read(`${s}.md`) })).filter((s) => s.text !== null);
  const footer = (s) => `\n\n_(cut to fit GitHub's comment limit: the whole report is in the run's artifact siaga-check-${s})_\n`;
  let budget = limit - head.length - 200;
  let body = head;
  sections.forEach((section, i) => {
    const share = Math.floor(budget / (sections.length - i));
    let text = `\n---\n\n${section.text.trimEnd()}\n`;
    if (text.length > share) {
      const note = footer(section.stack);
      const room = Math.max(0, share - note.length);
      const cut = text.lastIndexOf('\n', room);
      text = text.slice(0, cut > 0 ? cut : room) + note;
    }
    body += text;
    budget -= text.length;
  });
  return body;
}

async function post({ github, context, dir, runUrl }) {
  const body = compose(dir, { runUrl });
  const { owner, repo } = context.repo;
  const issue_number = context.issue.number;
  const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number });
  const byBot = (c) => c.user && c.user.type === 'Bot' && typeof c.body === 'string';
  const mine = comments.find((c) => byBot(c) && c.body.startsWith(MARKER));
  for (const old of comments.filter((c) => byBot(c) && /^<!-- siaga-check [^>]*-->/.test(c.body))) {
    await github.rest.issues.deleteComment({ owner, repo, comment_id: old.id });
  }
  if (mine) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });
  } else {
    await github.rest.issues.createComment({ owner, repo, issue_number, body });
  }
  return body;
}

module.exports = async ({ github, context, core }) => {
  const runUrl = `${context.serverUrl}/${context.repo.owner}/${context.repo.repo}/actions/runs/${context.runId}`;
  const body = await post({ github, context, dir: process.env.REPORTS || 'reports', runUrl });
  if (core) core.info(`comment: ${body.length} characters`);
};
module.exports.compose = compose;
module.exports.post = post;
module.exports.MARKER = MARKER;
module.exports.LIMIT = LIMIT;
