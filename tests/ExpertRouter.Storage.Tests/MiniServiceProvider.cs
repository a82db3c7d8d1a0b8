using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;

namespace ExpertRouter.Storage.Tests;

/// <summary>
/// Just enough of a container (singletons, factories, open generics, IEnumerable, constructor
/// injection via ActivatorUtilities) to resolve what AddExpertRouterStorage registers, since the
/// real Microsoft.Extensions.DependencyInjection is not among the repository's packages.
/// </summary>
internal sealed class MiniServiceProvider(IServiceCollection services) : IServiceProvider
{
    private readonly ConcurrentDictionary<(ServiceDescriptor, Type), object?> _singletons = new();

    public object? GetService(Type serviceType)
    {
        if (serviceType == typeof(IServiceProvider))
        {
            return this;
        }

        if (serviceType.IsGenericType && serviceType.GetGenericTypeDefinition() == typeof(IEnumerable<>))
        {
            var element = serviceType.GetGenericArguments()[0];
            var all = Matches(element).Select(d => Resolve(d, element)).ToArray();
            var array = Array.CreateInstance(element, all.Length);
            Array.Copy(all, array, all.Length);
            return array;
        }

        var descriptor = Matches(serviceType).LastOrDefault();
        return descriptor is null ? null : Resolve(descriptor, serviceType);
    }

    private IEnumerable<ServiceDescriptor> Matches(Type serviceType) => services.Where(d =>
        d.ServiceType == serviceType
        || (serviceType.IsGenericType && d.ServiceType == serviceType.GetGenericTypeDefinition()));

    private object? Resolve(ServiceDescriptor descriptor, Type serviceType) => _singletons.GetOrAdd((descriptor, serviceType), _ =>
    {
        if (descriptor.ImplementationInstance is { } instance)
        {
            return instance;
        }

        if (descriptor.ImplementationFactory is { } factory)
        {
            return factory(this);
        }

        var type = descriptor.ImplementationType!;
        if (type.IsGenericTypeDefinition)
        {
            type = type.MakeGenericType(serviceType.GetGenericArguments());
        }

        // Like the real container: the public constructor with the most parameters.
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        return constructor.Invoke([.. constructor.GetParameters().Select(p => GetService(p.ParameterType))]);
    });
}
