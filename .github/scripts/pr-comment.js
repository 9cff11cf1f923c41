// One pull-request comment for every stack `siaga check` ran on (policy-check.yml, job `comment`), updated in
// place on every re-run. The comment's text is siaga's: `siaga comment reports/*.json -o reports/comment.md`
// (siaga/reporters/markdown.py: summary first, details by policy, cut to GitHub's limit by dropping detail).
// This script adds what siaga could not write itself, a line for each stack whose check did not finish
// (DIR/<stack>.code other than 0 or 1, or no JSON report), and posts it. Older comments of this workflow
// (per-stack ones, first line "<!-- siaga-check project/stack -->", or "<!-- siaga-check-pr -->", written by a
// bot) are removed, so a pull request keeps one comment.
'use strict';

const fs = require('fs');
const path = require('path');

const MARKER = '<!-- siaga-check -->';
const OLD = /^<!-- siaga-check(-pr| [^>]*\S[^>]*) -->/; // the per-stack and first one-comment markers
const LIMIT = 65536; // GitHub refuses a comment body longer than this (characters)

function inert(name) {
  // stack names come from file names of the pull request: shown as code, never as Markdown
  return '`' + String(name).replace(/[`\r\n|]/g, '') + '`';
}

function verdict(code) {
  if (code === '') return 'did not finish (no result)';
  return `could not run (exit ${code})`;
}

function compose(dir, { runUrl = '', limit = LIMIT } = {}) {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  const read = (name) => (fs.existsSync(path.join(dir, name)) ? fs.readFileSync(path.join(dir, name), 'utf8') : null);
  const stacks = [...new Set(files.filter((f) => /\.code$/.test(f)).map((f) => f.replace(/\.code$/, '')))].sort();
  const broken = stacks
    .map((s) => ({ stack: s, code: (read(`${s}.code`) || '').trim() }))
    .filter(({ stack, code }) => !['0', '1'].includes(code) || read(`${stack}.json`) === null);
  let body = read('comment.md');
  if (body === null) body = `${MARKER}\n### siaga check\n\nNo report was written.\n`;
  if (!body.startsWith(MARKER)) body = `${MARKER}\n${body}`;
  if (broken.length) {
    const where = runUrl ? ` ([run](${runUrl}))` : '';
    const rows = broken.map(({ stack, code }) => `| ${inert(stack)} | ${verdict(code)} |`);
    const note = ['', `**${broken.length} stack${broken.length === 1 ? '' : 's'} not checked**${where}`, '',
      '| stack | result |', '| --- | --- |', ...rows, ''].join('\n');
    const rest = body.slice(MARKER.length);
    const room = limit - MARKER.length - note.length;
    body = MARKER + note + (rest.length > room ? rest.slice(0, Math.max(0, rest.lastIndexOf('\n', room))) : rest);
  }
  return body.length > limit ? body.slice(0, body.lastIndexOf('\n', limit)) : body;
}

async function post({ github, context, dir, runUrl }) {
  const body = compose(dir, { runUrl });
  const { owner, repo } = context.repo;
  const issue_number = context.issue.number;
  const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number });
  const byBot = (c) => c.user && c.user.type === 'Bot' && typeof c.body === 'string';
  const mine = comments.find((c) => byBot(c) && (c.body === MARKER || c.body.startsWith(`${MARKER}\n`)));
  for (const old of comments.filter((c) => byBot(c) && c !== mine && OLD.test(c.body))) {
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
