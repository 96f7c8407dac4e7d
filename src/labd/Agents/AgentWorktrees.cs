using Labd.Api;
using Labd.Experiments;
using Labd.Git;
using Labd.Runs;
using LabRow = Labd.Tracker.LabRow;

namespace Labd.Agents;

/// <summary>
/// An agent's worktree, <c>&lt;stateDir&gt;/labs/&lt;lab&gt;/agents/&lt;id&gt;/worktree</c>: a
/// checkout (no <c>.git</c>) of branch <c>agent/&lt;id&gt;</c>, made from the lab's main branch at
/// start. Between turns it belongs to the lab's owner; a turn's sandbox user holds it during the
/// turn (<see cref="RunRequest.WritableTree"/>), and after it, it is handed back and its state is
/// committed onto the branch ("agent ID turn N"), so the agent's work is in git.
/// </summary>
internal sealed class AgentWorktrees(RunsOptions options, UnixAccounts accounts)
{
    /// <summary>Creates the branch from the lab's main branch and the worktree from the branch's
    /// tip, whichever is missing (a restart between the two finishes the job).</summary>
    public void Ensure(AgentRow agent, LabRow lab)
    {
        TreeOwnership.PrepareParents(LabDirectory.Prepare(options.StateDirectory, agent.Lab, lab.OwnerUid), "agents", Tracker.Db.Text(agent.Id));
        using var repository = LabRepository.Open(lab.Path, lab.OwnerUid);
        var tip = repository.TipOf(agent.Branch)
            ?? repository.CreateBranch(agent.Branch, [], lab.MainBranch, $"agent {agent.Id}");
        if (Directory.Exists(agent.Worktree))
        {
            return;
        }
        repository.Materialize(tip, agent.Worktree);
        TreeOwnership.Give(agent.Worktree, lab.OwnerUid, accounts.PrimaryGroup(lab.OwnerUid));
    }

    /// <summary>After a turn: entries the turn's sandbox user owns back to the lab's owner (no
    /// link followed; only while no process of the turn is alive).</summary>
    public void Return(AgentRow agent, LabRow lab, int targetUid) =>
        TreeOwnership.Return(agent.Worktree, targetUid, lab.OwnerUid, accounts.PrimaryGroup(lab.OwnerUid));

    /// <summary>Commits the worktree onto <c>agent/&lt;id&gt;</c>; returns the branch's tip.</summary>
    public static string Snapshot(AgentRow agent, LabRow lab, int turn)
    {
        using var repository = LabRepository.Open(lab.Path, lab.OwnerUid);
        return repository.Snapshot(agent.Worktree, agent.Branch, lab.OwnerUid, $"agent {agent.Id} turn {turn}");
    }
}
