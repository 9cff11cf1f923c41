"""Revoking an IAM role's sessions issued before now, as a runbook writes it.

IAM's own procedure (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html) attaches the
inline policy ``AWSRevokeOlderSessions``: deny everything to sessions whose ``aws:TokenIssueTime`` is before the
revocation time. The policy is written once to a file by a here-document (the time is taken by ``date`` when the
operator runs it, never printed as an example), and each role gets it with ``file://``: no command line carries a
quoted JSON document, so the printed runbook never has to break a line inside quotes.
"""

from __future__ import annotations

POLICY_FILE = "revoke-older-sessions.json"


def revoke_sessions_policy() -> list[str]:
    """The lines that write the deny policy, dated now (UTC), to :data:`POLICY_FILE`."""
    return [f"cat > {POLICY_FILE} <<EOF",
            '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*",',
            ' "Condition": {"DateLessThan": {"aws:TokenIssueTime": "$(date -u +%Y-%m-%dT%H:%M:%SZ)"}}}]}',
            "EOF"]


def revoke_sessions(role_name: str) -> str:
    """The command that attaches the policy file to ``role_name`` (a name, or a ``$(...)`` lookup of it)."""
    return (f"aws iam put-role-policy --role-name {role_name} --policy-name AWSRevokeOlderSessions "
            f"--policy-document file://{POLICY_FILE}")


__all__ = ["POLICY_FILE", "revoke_sessions", "revoke_sessions_policy"]
