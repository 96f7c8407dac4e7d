namespace Labd.Protocol;

/// <summary>Answer of <c>POST /v1/labs/{lab}/policy</c>: the lab's policy before and after.</summary>
public sealed record LabPolicyChange(string Lab, string Previous, string Policy);
