namespace Labd.Protocol;

/// <summary>Body of <c>POST /v1/labs/{lab}/policy</c>: the loaded policy the lab's experiments and agents run under from now on.</summary>
public sealed record LabPolicyRequest(string Policy);
